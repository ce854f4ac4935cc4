package dev.glean.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request, received whole, and its answer, with the body limit and JSON handling every resource needs. Used by
 * one thread at a time: the event loop for an inline handler, then the request's virtual thread.
 */
public final class Exchange {
    public static final int MAX_BODY = 1 << 20;
    private final NettyHttpServer.Connection connection;
    private final FullHttpRequest request;
    private final List<String> pathParams;
    private final Map<String, String> query;
    private final GleanException queryError;
    private boolean answered;
    private ChunkedAnswer stream;
    /** The body as last parsed by {@link #jsonBody(Class, int)}. */
    private Object parsedBody;
    /** When the request had been received whole (System.nanoTime). */
    private final long receivedNanos = System.nanoTime();

    Exchange(NettyHttpServer.Connection connection, FullHttpRequest request, String rawQuery, List<String> pathParams) {
        this.connection = connection;
        this.request = request;
        this.pathParams = pathParams;
        Map<String, String> q;
        GleanException err = null;
        try {
            q = parseQuery(rawQuery);
        } catch (GleanException e) {
            q = Map.of();
            err = e;
        }
        this.query = q;
        this.queryError = err;
    }

    public String method() {
        return request.method().name();
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
        return request.headers().get(name);
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

    /** The body, received whole (and within the server's limit for the route) before the handler ran. */
    public byte[] body(int max) throws IOException {
        return ByteBufUtil.getBytes(content(max));
    }

    private ByteBuf content(int max) {
        ByteBuf content = request.content();
        if (content.readableBytes() > max) {
            throw new GleanException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is over " + max + " bytes");
        }
        return content;
    }

    /** When the request had been received whole, by {@link System#nanoTime()}. */
    public long receivedNanos() {
        return receivedNanos;
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

    /** The body as {@code type}; parsed once, so a handler taking what an inline handler declined does not parse again. */
    public <T> T jsonBody(Class<T> type, int max) throws IOException {
        if (type.isInstance(parsedBody)) {
            return type.cast(parsedBody);
        }
        ByteBuf content = content(max);
        // Parsed from the received buffer itself: a copy of every report's body was a tenth of what the controller allocated.
        try (var in = new io.netty.buffer.ByteBufInputStream(content.duplicate())) {
            T value = WireJson.mapper().readValue((java.io.InputStream) in, type);
            parsedBody = value;
            return value;
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

    /** Answers with the JSON error; never throws (it is the answer of last resort). */
    public void error(GleanException e) {
        send(e.code().httpStatus(), "application/json", errorJson(e));
    }

    static byte[] errorJson(GleanException e) {
        var root = WireJson.mapper().createObjectNode();
        var err = root.putObject("error");
        err.put("code", e.code().wireName());
        err.put("message", e.getMessage());
        try {
            return WireJson.mapper().writeValueAsBytes(root);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * Leaves the answer for later (a report parked until its node's desired state changes): the handler returns
     * unanswered and the {@link Later} answers once, from any thread. It keeps only what the answer needs, not the
     * request's parsed body: thousands are parked at a time, and what they hold is copied by every young collection.
     */
    public Later later() {
        if (answered) {
            throw new IllegalStateException("answered already");
        }
        answered = true;
        return new Later(connection, request.protocolVersion(), io.netty.handler.codec.http.HttpUtil.isKeepAlive(request));
    }

    /** An answer to come; see {@link #later()}. */
    public static final class Later {
        private final NettyHttpServer.Connection connection;
        private final io.netty.handler.codec.http.HttpVersion version;
        private final boolean keepAlive;
        private final java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();

        private Later(NettyHttpServer.Connection connection, io.netty.handler.codec.http.HttpVersion version, boolean keepAlive) {
            this.connection = connection;
            this.version = version;
            this.keepAlive = keepAlive;
        }

        public void json(int status, Object value) {
            byte[] b;
            try {
                b = WireJson.mapper().writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                error(new GleanException(ErrorCode.INTERNAL, "internal error: cannot encode the answer"));
                return;
            }
            send(status, b);
        }

        public void error(GleanException e) {
            send(e.code().httpStatus(), errorJson(e));
        }

        private void send(int status, byte[] b) {
            if (!sent.compareAndSet(false, true)) {
                throw new IllegalStateException("answered already");
            }
            connection.answer(version, keepAlive, status, "application/json", b);
        }

        /** Runs {@code task} on the connection's event loop after {@code delay} (it must not block). */
        public java.util.concurrent.Future<?> schedule(Runnable task, java.time.Duration delay) {
            return connection.schedule(task, delay);
        }
    }

    /** Starts a streamed answer (chunked); the caller writes and flushes, then closes. */
    public OutputStream stream(int status, String contentType) throws IOException {
        if (answered) {
            throw new IllegalStateException("answered already");
        }
        answered = true;
        stream = connection.startStream(request, status, contentType);
        return stream;
    }

    private void send(int status, String contentType, byte[] b) {
        if (answered) {
            throw new IllegalStateException("answered already");
        }
        answered = true;
        connection.answer(request, status, contentType, b);
    }

    /**
     * After the handler returned: ends a streamed answer it left open (the JDK server's close did the same), and
     * answers a request it left unanswered with a 500, so the connection can serve its next request.
     */
    void finish() {
        if (!answered) {
            error(new GleanException(ErrorCode.INTERNAL, "internal error: the handler gave no answer"));
        } else if (stream != null) {
            stream.closeQuietly();
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
