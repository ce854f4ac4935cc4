package dev.glean.agent;

import dev.glean.api.WireJson;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Protocol;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The agent's HTTP+JSON connection to the controller(s). With several URLs it sticks to the one that last
 * answered and moves on when it fails. Every failure is UNAVAILABLE; the caller just tries again later.
 */
public final class ControllerLink {
    private final List<URI> controllers;
    private final HttpClient http;
    private volatile int current;

    public ControllerLink(List<URI> controllers) {
        if (controllers.isEmpty()) {
            throw GleanException.invalid("no controller URL given");
        }
        this.controllers = List.copyOf(controllers);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    }

    public URI current() {
        return controllers.get(current);
    }

    public DesiredState report(AgentReport r) throws InterruptedException {
        byte[] body;
        try {
            body = WireJson.mapper().writeValueAsBytes(r);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.INTERNAL, "cannot encode report: " + e.getMessage());
        }
        return call(base -> HttpRequest.newBuilder(base.resolve(Protocol.REPORT_PATH)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public DesiredState awaitDesired(String node, long version, Duration wait) throws InterruptedException {
        String q = "?node=" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "&version=" + version + "&wait=" + wait.toMillis() + "ms";
        return call(base -> HttpRequest.newBuilder(base.resolve(Protocol.DESIRED_PATH + q)).timeout(wait.plusSeconds(10)).GET().build());
    }

    private DesiredState call(java.util.function.Function<URI, HttpRequest> request) throws InterruptedException {
        GleanException last = null;
        for (int i = 0; i < controllers.size(); i++) {
            int idx = (current + i) % controllers.size();
            try {
                HttpResponse<byte[]> resp = http.send(request.apply(controllers.get(idx)), HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() != 200) {
                    last = new GleanException(ErrorCode.UNAVAILABLE, "controller " + controllers.get(idx) + " answered "
                            + resp.statusCode() + ": " + new String(resp.body(), StandardCharsets.UTF_8));
                    continue;
                }
                current = idx;
                return WireJson.mapper().readValue(resp.body(), DesiredState.class);
            } catch (IOException e) {
                last = new GleanException(ErrorCode.UNAVAILABLE, "controller " + controllers.get(idx) + " unreachable: " + e);
            }
        }
        throw last;
    }
}
