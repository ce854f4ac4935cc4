package dev.glean.agent;

import dev.glean.api.WireJson;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The agent's HTTP+JSON connection to the controller(s). With several URLs it sticks to the one that last
 * answered and moves on when it fails. Every failure is UNAVAILABLE; the caller just tries again later.
 * Uses the JDK's synchronous HttpURLConnection with keep-alive: per report it costs a fraction of the CPU of
 * java.net.http.HttpClient, which matters for an agent that reports every second on every node.
 */
public final class ControllerLink {
    private final List<URI> controllers;
    private volatile int current;
    private final Object holdLock = new Object();
    /** The held report's connection while it waits, to cut it short; guarded by holdLock. */
    private HttpURLConnection holding;
    private boolean abortHeld;

    public ControllerLink(List<URI> controllers) {
        if (controllers.isEmpty()) {
            throw GleanException.invalid("no controller URL given");
        }
        this.controllers = List.copyOf(controllers);
    }

    public URI current() {
        return controllers.get(current);
    }

    public DesiredState report(AgentReport r) throws InterruptedException {
        return report(r, null, Duration.ZERO);
    }

    /**
     * A report whose answer the controller holds until the node's desired state moves past {@code held} or
     * {@code hold} passes: the one connection carries both the agent's reports and the news of new work. Null when
     * {@link #abortHeld} cut it short (the agent has something to report at once).
     */
    public DesiredState report(AgentReport r, DesiredState held, Duration hold) throws InterruptedException {
        byte[] body;
        try {
            body = WireJson.mapper().writeValueAsBytes(r);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.INTERNAL, "cannot encode report: " + e.getMessage());
        }
        if (held == null || hold.isZero()) {
            return call(Protocol.REPORT_PATH, body, Duration.ofSeconds(10), false);
        }
        String q = "?wait=" + hold.toMillis() + "ms&epoch=" + held.epoch() + "&version=" + held.version();
        return call(Protocol.REPORT_PATH + q, body, hold.plusSeconds(10), true);
    }

    /** Ends the held report in flight, if any, or the next one before it is sent; its caller gets null. */
    public void abortHeld() {
        synchronized (holdLock) {
            abortHeld = true;
            if (holding != null) {
                holding.disconnect();
            }
        }
    }

    /** Forgets an abort asked for before the report about to be built (which will carry what prompted it). */
    public void clearAbort() {
        synchronized (holdLock) {
            abortHeld = false;
        }
    }

    public DesiredState awaitDesired(String node, long epoch, long version, Duration wait) throws InterruptedException {
        String q = "?node=" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "&epoch=" + epoch + "&version=" + version
                + "&wait=" + wait.toMillis() + "ms";
        return call(Protocol.DESIRED_PATH + q, null, wait.plusSeconds(10), false);
    }

    private DesiredState call(String path, byte[] body, Duration timeout, boolean held) throws InterruptedException {
        GleanException last = null;
        for (int i = 0; i < controllers.size(); i++) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            int idx = (current + i) % controllers.size();
            URI base = controllers.get(idx);
            HttpURLConnection c = null;
            try {
                c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
                if (held) {
                    synchronized (holdLock) {
                        if (abortHeld) {
                            return null;
                        }
                        holding = c;
                    }
                }
                c.setConnectTimeout(2000);
                c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                c.setUseCaches(false);
                if (body != null) {
                    c.setRequestMethod("POST");
                    c.setDoOutput(true);
                    c.setRequestProperty("Content-Type", "application/json");
                    c.setFixedLengthStreamingMode(body.length);
                    try (OutputStream os = c.getOutputStream()) {
                        os.write(body);
                    }
                }
                int status = c.getResponseCode();
                if (status != 200) {
                    byte[] err = readAll(c.getErrorStream());
                    last = new GleanException(ErrorCode.UNAVAILABLE, "controller " + base + " answered " + status + ": "
                            + new String(err, StandardCharsets.UTF_8));
                    continue;
                }
                byte[] resp;
                try (InputStream in = c.getInputStream()) {
                    resp = in.readAllBytes();
                }
                current = idx;
                return WireJson.mapper().readValue(resp, DesiredState.class);
            } catch (IOException e) {
                if (c != null) {
                    c.disconnect();
                }
                if (held && aborted()) {
                    return null;
                }
                last = new GleanException(ErrorCode.UNAVAILABLE, "controller " + base + " unreachable: " + e);
            } finally {
                if (held) {
                    synchronized (holdLock) {
                        holding = null;
                    }
                }
            }
        }
        throw last;
    }

    private boolean aborted() {
        synchronized (holdLock) {
            return abortHeld;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            return in.readAllBytes();
        }
    }
}
