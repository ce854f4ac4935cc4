package dev.glean.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The CLI's REST client. Any failure to talk to the server, or a refusal, is exit code 3 with one line. */
public final class ApiClient {
    private final URI server;
    private final String token;
    private final HttpClient http;

    public ApiClient(String server, String token) {
        try {
            URI u = URI.create(server.endsWith("/") ? server.substring(0, server.length() - 1) : server);
            if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
            this.server = u;
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, "--server must be a URL like http://127.0.0.1:7070: '" + server + "'");
        }
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).version(HttpClient.Version.HTTP_1_1).build();
    }

    public URI server() {
        return server;
    }

    public JsonNode get(String path) {
        return json(send(builder(path, Duration.ofSeconds(90)).GET().build()));
    }

    public JsonNode post(String path, JsonNode body) {
        try {
            byte[] b = WireJson.mapper().writeValueAsBytes(body);
            return json(send(builder(path, Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(b)).build()));
        } catch (IOException e) {
            throw new CliException(CliException.USAGE, "cannot encode request: " + e.getMessage());
        }
    }

    public JsonNode delete(String path) {
        return json(send(builder(path, Duration.ofSeconds(30)).DELETE().build()));
    }

    /** A streamed GET (logs --follow, events --follow); the caller closes the stream. */
    public InputStream stream(String path, String accept) {
        HttpRequest req = builder(path, null).header("Accept", accept).GET().build();
        try {
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() >= 300) {
                try (InputStream in = r.body()) {
                    throw refused(r.statusCode(), in.readAllBytes());
                }
            }
            return r.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(CliException.SERVER, "interrupted");
        }
    }

    public boolean healthy() {
        try {
            HttpResponse<byte[]> r = http.send(builder("/healthz", Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder builder(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path));
        if (timeout != null) {
            b.timeout(timeout);
        }
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<byte[]> send(HttpRequest req) {
        try {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) {
                throw refused(r.statusCode(), r.body());
            }
            return r;
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(CliException.SERVER, "interrupted");
        }
    }

    private CliException unreachable(IOException e) {
        String why = e instanceof ConnectException ? "connection refused"
                : e instanceof HttpTimeoutException ? "timed out" : String.valueOf(e.getMessage());
        return new CliException(CliException.SERVER, "cannot reach glean at " + server + " (" + why + "); is it running? (glean up)");
    }

    private static CliException refused(int status, byte[] body) {
        String msg = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode n = WireJson.mapper().readTree(body);
            if (n != null && n.has("error")) {
                msg = n.get("error").path("message").asText(msg);
            }
        } catch (IOException ignored) {
            // Not JSON: show it as it is.
        }
        return new CliException(CliException.SERVER, msg.isBlank() ? "server answered HTTP " + status : msg);
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return WireJson.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new CliException(CliException.SERVER, "server sent malformed JSON: " + e.getMessage());
        }
    }
}
