package dev.glean.controller.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Method + path template ("/api/v1/jobs/{}") -> handler. Every failure becomes a JSON error: GleanExceptions
 * with their code, anything else a 500 "internal" without a stack trace on the wire.
 */
public final class Router implements HttpHandler {
    public interface Handler {
        void handle(Exchange ex) throws Exception;
    }

    private record Route(String method, String template, Pattern pattern, Handler handler) {}

    private final List<Route> routes = new ArrayList<>();

    public Router add(String method, String template, Handler h) {
        String regex = "^" + Pattern.quote(template).replace("{}", "\\E([A-Za-z0-9_.:-]+)\\Q") + "/?$";
        routes.add(new Route(method, template, Pattern.compile(regex), h));
        return this;
    }

    /** "METHOD /path/{}" for every route, in the order added (the OpenAPI document is checked against it). */
    public List<String> routes() {
        return routes.stream().map(r -> r.method() + " " + r.template()).toList();
    }

    @Override
    public void handle(HttpExchange http) throws IOException {
        Exchange ex = null;
        try {
            String path = http.getRequestURI().getPath();
            boolean pathKnown = false;
            for (Route r : routes) {
                Matcher m = r.pattern.matcher(path);
                if (!m.matches()) {
                    continue;
                }
                pathKnown = true;
                if (!r.method.equals(http.getRequestMethod())) {
                    continue;
                }
                List<String> params = new ArrayList<>();
                for (int i = 1; i <= m.groupCount(); i++) {
                    params.add(m.group(i));
                }
                ex = new Exchange(http, params);
                r.handler.handle(ex);
                return;
            }
            ex = new Exchange(http, List.of());
            throw pathKnown
                    ? new GleanException(ErrorCode.METHOD_NOT_ALLOWED, http.getRequestMethod() + " is not allowed on " + path)
                    : GleanException.notFound("no such resource: " + path);
        } catch (GleanException e) {
            answer(http, ex, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer(http, ex, new GleanException(ErrorCode.UNAVAILABLE, "interrupted"));
        } catch (IOException e) {
            // The client went away; nothing left to answer.
        } catch (Exception e) {
            answer(http, ex, new GleanException(ErrorCode.INTERNAL, "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        } finally {
            http.close();
        }
    }

    private static void answer(HttpExchange http, Exchange ex, GleanException e) throws IOException {
        Exchange target = ex != null ? ex : new Exchange(http, List.of());
        if (target.answered()) {
            return;
        }
        try {
            target.error(e);
        } catch (GleanException bad) {
            new Exchange(http, List.of()).error(e);
        }
    }
}
