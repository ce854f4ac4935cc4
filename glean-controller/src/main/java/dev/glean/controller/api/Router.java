package dev.glean.controller.api;

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
public final class Router {
    /** Answers one request; may block (it runs on a virtual thread of its own). */
    public interface Handler {
        void handle(Exchange ex) throws Exception;
    }

    /**
     * Answers a request on the server's event loop, with the whole request received: either answers and returns true,
     * or returns false and the request goes to the route's {@link Handler} on a virtual thread. It must never block
     * (no store, no lock held by anyone who blocks, no waiting): the event loop serves thousands of connections.
     */
    public interface InlineHandler {
        boolean tryInline(Exchange ex) throws Exception;
    }

    record Route(String method, String template, Pattern pattern, Handler handler, InlineHandler inline) {}

    /** The route a request is for, and its path parameters. */
    record Match(Route route, List<String> params) {}

    private final List<Route> routes = new ArrayList<>();
    /** Routes without parameters by their path (and with a trailing slash): most requests need no pattern matching. */
    private final java.util.Map<String, List<Route>> exact = new java.util.HashMap<>();

    public Router add(String method, String template, Handler h) {
        return add(method, template, null, h);
    }

    /** A route whose requests are first offered to {@code inline} on the event loop; {@code h} takes those it declines. */
    public Router add(String method, String template, InlineHandler inline, Handler h) {
        String regex = "^" + Pattern.quote(template).replace("{}", "\\E([A-Za-z0-9_.:-]+)\\Q") + "/?$";
        Route route = new Route(method, template, Pattern.compile(regex), h, inline);
        routes.add(route);
        if (!template.contains("{}")) {
            exact.computeIfAbsent(template, t -> new ArrayList<>()).add(route);
            exact.computeIfAbsent(template + "/", t -> new ArrayList<>()).add(route);
        }
        return this;
    }

    /** "METHOD /path/{}" for every route, in the order added (the OpenAPI document is checked against it). */
    public List<String> routes() {
        return routes.stream().map(r -> r.method() + " " + r.template()).toList();
    }

    /**
     * The route for a request; a 404 when no route has the path, a 405 when none of those has the method. A route
     * without parameters wins over one with them that matches the same path.
     */
    Match find(String method, String path) {
        List<Route> fixed = exact.get(path);
        if (fixed != null) {
            for (Route r : fixed) {
                if (r.method.equals(method)) {
                    return new Match(r, List.of());
                }
            }
        }
        boolean pathKnown = fixed != null;
        for (Route r : routes) {
            Matcher m = r.pattern.matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathKnown = true;
            if (!r.method.equals(method)) {
                continue;
            }
            List<String> params = new ArrayList<>(m.groupCount());
            for (int i = 1; i <= m.groupCount(); i++) {
                params.add(m.group(i));
            }
            return new Match(r, params);
        }
        throw pathKnown
                ? new GleanException(ErrorCode.METHOD_NOT_ALLOWED, method + " is not allowed on " + path)
                : GleanException.notFound("no such resource: " + path);
    }

    /** Runs a blocking handler; whatever it throws becomes the answer, unless it already answered. */
    static void handle(Handler h, Exchange ex) {
        try {
            h.handle(ex);
        } catch (Throwable e) {
            fail(ex, e);
        }
    }

    /** Runs an inline handler; true when the request is answered (by it, or with the error it threw). */
    static boolean tryInline(InlineHandler h, Exchange ex) {
        try {
            return h.tryInline(ex);
        } catch (Throwable e) {
            fail(ex, e);
            return true;
        }
    }

    /** The JSON error for what a handler threw; nothing when it had started answering or the client went away. */
    static void fail(Exchange ex, Throwable e) {
        GleanException answer;
        if (e instanceof GleanException g) {
            answer = g;
        } else if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            answer = new GleanException(ErrorCode.UNAVAILABLE, "interrupted");
        } else if (e instanceof IOException) {
            return; // The client went away; nothing left to answer.
        } else {
            answer = new GleanException(ErrorCode.INTERNAL, "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        if (!ex.answered()) {
            ex.error(answer);
        }
    }
}
