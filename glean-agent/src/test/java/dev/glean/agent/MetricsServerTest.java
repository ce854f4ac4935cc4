package dev.glean.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.guard.GuardMetrics;
import dev.glean.agent.guard.NodeGuard;
import dev.glean.core.error.GleanException;
import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.testing.PrometheusSamples;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's /metrics over real HTTP, parsed back: the guard's counters, cap and readings. */
class MetricsServerTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    @Test
    void servesTheGuardsNumbersInTheTextFormat() throws Exception {
        GuardMetrics m = new GuardMetrics();
        GuardReadings r = new GuardReadings(Duration.ofMillis(100), 2, Bytes.ofMiB(4096), Bytes.ofMiB(1024), new Millicores(300),
                new Millicores(1200), Duration.ofMillis(30), new GuardReadings.Stalls(true, Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ZERO), List.of(), 100, 32768, List.of());
        m.watching(() -> r).get();
        for (long cap : new long[] {1500, 1200, 900}) {
            m.onEvent(new NodeGuard.Event(T, new GuardAction.SetCpuQuota(new CpuCap.Limit(new Millicores(cap)), "w", Map.of()), null));
        }
        m.onEvent(new NodeGuard.Event(T, new GuardAction.Evict("g-1-0-1", "short", Map.of()), null));
        m.onEvent(new NodeGuard.Event(T, new GuardAction.SetCpuQuota(CpuCap.UNLIMITED, "w", Map.of()), "refused"));
        try (MetricsServer s = MetricsServer.start("127.0.0.1:0", List.of(m::write))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, got.statusCode());
            assertTrue(got.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            PrometheusSamples p = PrometheusSamples.parse(got.body());
            assertEquals(3.0, p.value("glean_agent_guard_actions_total", "kind", "cpu-cap").orElseThrow(), "every move counted");
            assertEquals(1.0, p.value("glean_agent_guard_actions_total", "kind", "evict").orElseThrow());
            assertEquals(0.0, p.value("glean_agent_guard_actions_total", "kind", "io-throttle").orElseThrow());
            assertEquals(1.0, p.value("glean_agent_guard_action_failures_total", "kind", "cpu-cap").orElseThrow());
            assertEquals(0.9, p.value("glean_agent_cpu_cap_cores").orElseThrow(), "the last cap set, not the refused one");
            assertEquals(0.15, p.value("glean_agent_incumbent_runqueue_wait_ratio").orElseThrow(), 1e-9);
            assertEquals(1024.0 * 1024 * 1024, p.value("glean_agent_memory_available_bytes").orElseThrow());
            assertEquals(0.1, p.value("glean_agent_incumbent_pressure_stall_ratio", "resource", "memory").orElseThrow(), 1e-9);
            assertEquals("counter", p.types.get("glean_agent_guard_actions_total"));
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/other")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void badAddressesAreRefused() {
        for (String bad : new String[] {"7071", "host:port", "h:70000", ":1"}) {
            assertThrows(GleanException.class, () -> MetricsServer.address(bad), bad);
        }
        assertEquals(7071, MetricsServer.address("[::1]:7071").getPort());
    }
}
