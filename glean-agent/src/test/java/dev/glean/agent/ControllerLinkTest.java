package dev.glean.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.glean.api.WireJson;
import dev.glean.core.error.GleanException;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Protocol;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of held reports, against a real HTTP server that holds answers the way the controller does: the
 * hold is asked for with the desired state the agent has, and cutting it short returns at once without an error.
 */
class ControllerLinkTest {
    private HttpServer server;
    private final AtomicReference<String> lastQuery = new AtomicReference<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);
    private ControllerLink link;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(Protocol.REPORT_PATH, ex -> {
            ex.getRequestBody().readAllBytes();
            String q = ex.getRequestURI().getRawQuery();
            lastQuery.set(q);
            arrived.countDown();
            if (q != null) {
                try {
                    // Held until the test releases it (or for at most 10 s).
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = WireJson.mapper().writeValueAsBytes(desired(8));
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        link = new ControllerLink(List.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())));
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private static DesiredState desired(long version) {
        return new DesiredState(Protocol.VERSION, "n1", version, 77, 15_000, List.of(), List.of(), Map.of(), null, 0);
    }

    private static AgentReport report() {
        return new AgentReport(Protocol.VERSION, "n1", "i", Map.of(), null, List.of(), List.of(), Instant.now(), null);
    }

    /** A report holding desired state version 5, sent from another thread. */
    private CompletableFuture<DesiredState> heldReport(Duration hold) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return link.report(report(), desired(5), hold);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aReportWithoutAHeldStateIsNotHeld() throws Exception {
        DesiredState d = link.report(report(), null, Duration.ofSeconds(1));
        assertEquals(8, d.version());
        assertNull(lastQuery.get(), "nothing to wait for without a desired state");
    }

    @Test
    void aHeldReportNamesWhatTheAgentHoldsAndReturnsTheAnswer() throws Exception {
        CompletableFuture<DesiredState> f = heldReport(Duration.ofMillis(1500));
        assertTrue(arrived.await(5, TimeUnit.SECONDS));
        assertEquals("wait=1500ms&epoch=77&version=5", lastQuery.get());
        release.countDown();
        assertEquals(8, f.get(5, TimeUnit.SECONDS).version());
    }

    @Test
    void cuttingAHeldReportShortReturnsNullAtOnce() throws Exception {
        CompletableFuture<DesiredState> f = heldReport(Duration.ofSeconds(8));
        assertTrue(arrived.await(5, TimeUnit.SECONDS));
        long t0 = System.nanoTime();
        link.abortHeld();
        assertNull(f.get(5, TimeUnit.SECONDS), "cut short: no answer, and no error");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        // An abort asked for before the next held report is sent keeps it from going out; clearing it lets it go.
        link.abortHeld();
        assertNull(link.report(report(), desired(5), Duration.ofSeconds(1)));
        link.clearAbort();
        release.countDown();
        assertNotNull(link.report(report(), desired(5), Duration.ofSeconds(1)));
    }

    @Test
    void anUnreachableControllerIsAnErrorNotAnAbort() {
        ControllerLink dead = new ControllerLink(List.of(URI.create("http://127.0.0.1:1")));
        assertThrows(GleanException.class, () -> dead.report(report(), desired(5), Duration.ofSeconds(1)));
    }
}
