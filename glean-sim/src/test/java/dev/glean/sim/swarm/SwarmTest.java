package dev.glean.sim.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.store.SqliteStorage;
import dev.glean.core.job.JobState;
import dev.glean.core.store.JobFilter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small swarm against a real controller over HTTP: its nodes register, report every second, and run the work placed. */
class SwarmTest {
    @TempDir
    Path dir;

    @Test
    void nodesReportAndRunWhatTheControllerPlaces() throws Exception {
        try (Controller c = new Controller(ControllerSettings.defaults().withPort(0), SqliteStorage.open(dir.resolve("glean.db")),
                Clock.systemUTC()).start()) {
            URI url = URI.create("http://127.0.0.1:" + c.port());
            SwarmSettings s = SwarmSettings.parse(new String[] {"--controller", url.toString(), "--nodes", "20", "--warmup", "11",
                    "--measure", "3", "--tasks-per-round", "5", "--task-seconds", "1"});
            SwarmResult r = new Swarm(s, new PrintStream(new ByteArrayOutputStream()), Duration.ZERO).run();
            assertEquals(0, r.errors(), r.line());
            // About one report per node per second; the window's edges and a loaded machine blur it either way.
            assertTrue(r.reportsPerSecond() >= 10 && r.reportsPerSecond() <= 40, r.line());
            assertTrue(r.p99Micros() > 0 && r.p50Micros() <= r.p99Micros(), r.line());
            AgentConnection api = new AgentConnection(new java.net.InetSocketAddress("127.0.0.1", c.port()));
            String nodes = new String(api.exchange("GET", "/api/v1/nodes", null, 5000).body(), java.nio.charset.StandardCharsets.UTF_8);
            api.close();
            assertEquals(20, nodes.split("\"status\":\"READY\"", -1).length - 1, "every simulated node registered");
            // The job submitted at 10 s was placed, "run" for 1 s and reported back.
            assertEquals(5, r.started(), r.line());
            // Reports after the first ask the controller to hold the answer; some placements arrive through one.
            assertTrue(r.held() > 0, r.line());
            assertTrue(r.heldNews() >= 1, r.line());
            assertEquals(1, c.jobs().page(JobFilter.ALL).size());
            assertTrue(c.jobs().page(JobFilter.ALL).get(0).state() != JobState.QUEUED, r.line());
        }
    }

    @Test
    void histogramQuantilesAreWithinTheirBucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.recordNanos(i * 100_000L); // 0.1 .. 100 ms
        }
        assertEquals(1000, h.count());
        assertEquals(100_000, h.maxMicros());
        long p50 = h.quantileMicros(0.5);
        long p99 = h.quantileMicros(0.99);
        assertTrue(Math.abs(p50 - 50_000) <= 50_000 * 0.02, "p50 " + p50);
        assertTrue(Math.abs(p99 - 99_000) <= 99_000 * 0.02, "p99 " + p99);
    }
}
