package dev.glean.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.glean.api.WireJson;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One HTTP request and its answer, with the body limit and JSON handling every resource needs. */
public final class Exchange {
    public static final int MAX_BODY = 1 << 20;
    private final HttpExchange http;
    private final List<String> pathParams;
    private final Map<String, String> query;
    private final GleanException queryError;
    private boolean answered;

    Exchange(HttpExchange http, List<String> pathParams) {
        this.http = http;
        this.pathParams = pathParams;
        Map<String, String> q;
        GleanException err = null;
        try {
            q = parseQuery(http.getRequestURI().getRawQuery());
        } catch (GleanException e) {
            q = Map.of();
            err = e;
        }
        this.query = q;
        this.queryError = err;
    }

    public String method() {
        return http.getRequestMethod();
    }

    public String path(int i) {
        return pathParams.get(i);
    }

    public String query(String name) {
        if (queryError != null) {
            throw queryError;
        }
        return query.get(name);
    }

    public String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    public boolean answered() {
        return answered;
    }

    public Integer intQuery(String name) {
        String v = query(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw GleanException.invalid("query parameter " + name + " must be a whole number: '" + v + "'");
        }
    }

    public boolean boolQuery(String name) {
        String v = query(name);
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
    }

    public byte[] body() throws IOException {
        return body(MAX_BODY);
    }

    public byte[] body(int max) throws IOException {
        String len = http.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.trim()) > max) {
                    throw new GleanException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is over " + max + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new GleanException(ErrorCode.MALFORMED_REQUEST, "bad Content-Length");
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = http.getRequestBody()) {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > max) {
                    throw new GleanException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is over " + max + " bytes");
                }
            }
        }
        return out.toByteArray();
    }

    public JsonNode jsonBody() throws IOException {
        byte[] b = body();
        if (b.length == 0) {
            throw new GleanException(ErrorCode.MALFORMED_REQUEST, "request body is empty; expected JSON");
        }
        try {
            return WireJson.mapper().readTree(b);
        } catch (JsonProcessingException e) {
            throw new GleanException(ErrorCode.MALFORMED_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    public <T> T jsonBody(Class<T> type, int max) throws IOException {
        byte[] b = body(max);
        try {
            return WireJson.mapper().readValue(b, type);
        } catch (JsonProcessingException e) {
            throw new GleanException(ErrorCode.MALFORMED_REQUEST, "malformed " + type.getSimpleName() + ": " + e.getOriginalMessage());
        }
    }

    public void json(int status, Object value) throws IOException {
        byte[] b = WireJson.mapper().writeValueAsBytes(value);
        send(status, "application/json", b);
    }

    public void text(int status, String contentType, byte[] b) throws IOException {
        send(status, contentType, b);
    }

    public void error(GleanException e) throws IOException {
        var root = WireJson.mapper().createObjectNode();
        var err = root.putObject("error");
        err.put("code", e.code().wireName());
        err.put("message", e.getMessage());
        json(e.code().httpStatus(), root);
    }

    /** Starts a streamed answer (chunked); the caller writes and flushes, then closes. */
    public OutputStream stream(int status, String contentType) throws IOException {
        answered = true;
        http.getResponseHeaders().set("Content-Type", contentType);
        http.getResponseHeaders().set("Cache-Control", "no-cache");
        http.sendResponseHeaders(status, 0);
        return http.getResponseBody();
    }

    private void send(int status, String contentType, byte[] b) throws IOException {
        answered = true;
        http.getResponseHeaders().set("Content-Type", contentType);
        http.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream os = http.getResponseBody()) {
                os.write(b);
            }
        }
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            try {
                m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw GleanException.invalid("malformed query string");
            }
        }
        return m;
    }
}
