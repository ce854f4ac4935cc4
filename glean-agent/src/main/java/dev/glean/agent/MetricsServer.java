package dev.glean.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.glean.api.PrometheusText;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's small HTTP listener: GET /metrics in the Prometheus text format, nothing else. It binds to loopback
 * by default (agent.metrics): the numbers say what runs on the node.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<PrometheusText.Source> sources;

    private MetricsServer(HttpServer server, List<PrometheusText.Source> sources) {
        this.server = server;
        this.sources = List.copyOf(sources);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Listens on {@code address} ("host:port"; port 0 picks a free one). */
    public static MetricsServer start(String address, List<PrometheusText.Source> sources) {
        InetSocketAddress a = address(address);
        try {
            MetricsServer m = new MetricsServer(HttpServer.create(a, 16), sources);
            m.server.start();
            return m;
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot listen for /metrics on " + address + ": " + e.getMessage());
        }
    }

    /** "host:port" (IPv6 as "[::1]:port"). */
    public static InetSocketAddress address(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0) {
            throw GleanException.invalid("a listen address is host:port: '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw GleanException.invalid("a listen address is host:port: '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw GleanException.invalid("port out of range in '" + text + "'");
        }
        return new InetSocketAddress(host, port);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/metrics")) {
                send(ex, 404, "text/plain; charset=utf-8", "only /metrics here\n");
            } else if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain; charset=utf-8", "GET /metrics\n");
            } else {
                PrometheusText out = new PrometheusText();
                sources.forEach(s -> s.write(out));
                send(ex, 200, PrometheusText.CONTENT_TYPE, out.text());
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
