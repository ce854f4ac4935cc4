package dev.glean.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP server under the API, over real sockets: inline and virtual-thread answers, order, limits, timeouts. */
class NettyHttpServerTest {
    private static final Duration IDLE = Duration.ofMillis(400);
    private NettyHttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final CountDownLatch streamMayEnd = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        Router router = new Router()
                // Answers on the event loop when asked to, declines otherwise; says which thread answered.
                .add("GET", "/where", ex -> {
                    if (!ex.boolQuery("inline")) {
                        return false;
                    }
                    ex.text(200, "text/plain", thread().getBytes(StandardCharsets.UTF_8));
                    return true;
                }, ex -> ex.text(200, "text/plain", thread().getBytes(StandardCharsets.UTF_8)))
                .add("GET", "/sleep/{}", ex -> {
                    Thread.sleep(Long.parseLong(ex.path(0)));
                    ex.text(200, "text/plain", ex.path(0).getBytes(StandardCharsets.UTF_8));
                })
                .add("POST", "/echo", ex -> ex.text(200, "application/octet-stream", ex.body()))
                .add("POST", "/big", ex -> ex.text(200, "text/plain", Integer.toString(ex.body(4 << 20).length).getBytes(StandardCharsets.UTF_8)))
                .add("GET", "/stream", ex -> {
                    try (OutputStream os = ex.stream(200, "text/event-stream")) {
                        os.write("data: one\n\n".getBytes(StandardCharsets.UTF_8));
                        os.flush();
                        streamMayEnd.await(5, TimeUnit.SECONDS);
                        os.write("data: two\n\n".getBytes(StandardCharsets.UTF_8));
                    }
                })
                .add("GET", "/boom", ex -> {
                    throw new IllegalStateException("a bug");
                });
        server = new NettyHttpServer("127.0.0.1", 0, router, r -> r.uri().startsWith("/big") ? 4 << 20 : 1000, IDLE,
                Duration.ofSeconds(5));
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String thread() {
        return Thread.currentThread().isVirtual() ? "virtual" : "event loop " + Thread.currentThread().getName();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anInlineHandlerAnswersOnTheEventLoopAndADeclinedRequestGoesToAVirtualThread() throws Exception {
        HttpResponse<String> inline = get("/where?inline=1");
        assertEquals(200, inline.statusCode());
        assertTrue(inline.body().startsWith("event loop glean-http"), inline.body());
        HttpResponse<String> declined = get("/where");
        assertEquals(200, declined.statusCode());
        assertEquals("virtual", declined.body());
        assertTrue(inline.headers().firstValue("Date").isPresent(), inline.headers().toString());
        assertEquals("application/json", get("/nothing").headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        try (Socket s = connect()) {
            // The first takes longest on its virtual thread; the answers must still come in request order.
            s.getOutputStream().write(("GET /sleep/300 HTTP/1.1\r\nHost: x\r\n\r\nGET /where?inline=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sleep/1 HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = reader(s);
            assertEquals("300", readAnswer(in).body);
            assertTrue(readAnswer(in).body.startsWith("event loop"));
            assertEquals("1", readAnswer(in).body);
        }
    }

    @Test
    void malformedRequestsAndHandlerBugsGetJsonErrorsWithoutAStackTrace() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("NOT A REQUEST\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Answer a = readAnswer(reader(s));
            assertTrue(a.status >= 400 && a.status < 500, a.status + " " + a.body);
            assertTrue(a.body.contains("\"malformed_request\""), a.body);
        }
        HttpResponse<String> bug = get("/boom");
        assertEquals(500, bug.statusCode());
        assertEquals("{\"error\":{\"code\":\"internal\",\"message\":\"internal error: IllegalStateException: a bug\"}}", bug.body());
        try (Socket s = connect()) {
            // Refused by the inline handler on the event loop: the error is its answer.
            s.getOutputStream().write("GET /where?inline=%zz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Answer a = readAnswer(reader(s));
            assertEquals(400, a.status, a.body);
            assertTrue(a.body.contains("invalid_argument"), a.body);
        }
        assertEquals(405, post("/where", "").statusCode());
    }

    @Test
    void bodiesOverTheirRoutesLimitAreRefusedWith413AndTheConnectionStaysUsable() throws Exception {
        assertEquals("x".repeat(1000), post("/echo", "x".repeat(1000)).body());
        HttpResponse<String> tooBig = post("/echo", "x".repeat(1001));
        assertEquals(413, tooBig.statusCode());
        assertTrue(tooBig.body().contains("\"payload_too_large\""), tooBig.body());
        // A route with a larger limit takes what /echo refused.
        assertEquals("100000", post("/big", "x".repeat(100_000)).body());
        assertEquals(413, post("/big", "x".repeat((4 << 20) + 1)).statusCode());
        try (Socket s = connect()) {
            // Refused by its Content-Length; the body that follows is skipped and the next request answered.
            s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + "y".repeat(2000)
                    + "GET /where HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = reader(s);
            assertEquals(413, readAnswer(in).status);
            assertEquals("virtual", readAnswer(in).body);
            // A chunked body over the limit: received up to the largest limit, refused by the route's.
            s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + "z".repeat(2000)
                    + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(413, readAnswer(in).status);
        }
    }

    @Test
    void streamedAnswersAreChunkedAndFlushedAsWritten() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = reader(s);
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            List<String> headers = headers(in);
            assertTrue(headers.contains("transfer-encoding: chunked"), headers.toString());
            assertTrue(headers.contains("cache-control: no-cache"), headers.toString());
            assertEquals("b", in.readLine()); // the first event arrives while the handler still waits
            assertEquals("data: one", in.readLine());
            streamMayEnd.countDown();
            assertEquals("", in.readLine());
            assertEquals("", in.readLine());
            assertEquals("b", in.readLine());
            assertEquals("data: two", in.readLine());
            assertEquals("", in.readLine());
            assertEquals("", in.readLine());
            assertEquals("0", in.readLine()); // the last chunk: the stream ended and the connection stays open
            assertEquals("", in.readLine());
            s.getOutputStream().write("GET /where HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("virtual", readAnswer(in).body);
        }
    }

    @Test
    void silentIdleConnectionsAreClosedButARequestInFlightIsNot() throws Exception {
        try (Socket idle = connect(); Socket waiting = connect(); Socket partial = connect()) {
            partial.getOutputStream().write("GET /where HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            // In flight for longer than the idle limit, like a long-poll: answered, not cut off.
            waiting.getOutputStream().write("GET /sleep/1200 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("1200", readAnswer(reader(waiting)).body);
            idle.setSoTimeout(3000);
            partial.setSoTimeout(3000);
            assertEquals(-1, idle.getInputStream().read(), "an idle connection is closed");
            assertEquals(-1, partial.getInputStream().read(), "a request stalled halfway is dropped");
        }
    }

    @Test
    void aKeepAliveConnectionServesManyRequests() throws Exception {
        try (Socket s = connect()) {
            BufferedReader in = reader(s);
            for (int i = 0; i < 50; i++) {
                s.getOutputStream().write(("GET /where" + (i % 2 == 0 ? "?inline=1" : "") + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                Answer a = readAnswer(in);
                assertEquals(200, a.status);
                assertEquals(i % 2 == 0, a.body.startsWith("event loop"), a.body);
            }
            s.getOutputStream().write("GET /where HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Answer last = readAnswer(in);
            assertTrue(last.headers.contains("connection: close"), last.headers.toString());
            s.setSoTimeout(2000);
            try {
                assertEquals(-1, s.getInputStream().read());
            } catch (SocketTimeoutException e) {
                assertFalse(true, "the connection should be closed after Connection: close");
            }
        }
    }

    @Test
    void closingTheServerClosesItsKeepAliveConnections() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /where HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = reader(s);
            assertEquals("virtual", readAnswer(in).body);
            server.close();
            // A client's pooled connection must end with the server: a request sent on it would wait forever.
            s.setSoTimeout(3000);
            try {
                assertEquals(-1, in.read());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection outlived the server", e);
            }
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(5000);
        return s;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
    }

    private record Answer(int status, List<String> headers, String body) {}

    private static List<String> headers(BufferedReader in) throws IOException {
        List<String> headers = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            headers.add(line.toLowerCase(java.util.Locale.ROOT));
        }
        return headers;
    }

    /** One answer with a Content-Length body. */
    private static Answer readAnswer(BufferedReader in) throws IOException {
        String status = in.readLine();
        assertTrue(status != null && status.startsWith("HTTP/1.1 "), String.valueOf(status));
        List<String> headers = headers(in);
        int length = headers.stream().filter(h -> h.startsWith("content-length:")).map(h -> Integer.parseInt(h.substring(15).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no content-length in " + headers));
        char[] body = new char[length];
        for (int n = 0; n < length; ) {
            int r = in.read(body, n, length - n);
            if (r < 0) {
                throw new AssertionError("the body ended early");
            }
            n += r;
        }
        return new Answer(Integer.parseInt(status.substring(9, 12)), headers, new String(body));
    }
}
