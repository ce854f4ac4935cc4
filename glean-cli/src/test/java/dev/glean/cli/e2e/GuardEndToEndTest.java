package dev.glean.cli.e2e;

import static dev.glean.cli.e2e.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.cli.Main;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardSettings;
import dev.glean.core.resources.Bytes;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.testing.PrometheusSamples;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real guard with real containers and a real controller; only the host's available memory is faked (the
 * reading is real otherwise), so a shortage comes and goes on cue: the guard stops admitting and evicts, the
 * controller hears both (events in the log and the job's history, the node not admitting, the job not placed back),
 * metrics count it, and the job runs again once the node admits.
 */
class GuardEndToEndTest {
    private TestNode node;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile boolean memoryShort;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.open();
        node.startController();
        node.startAgent();
        // max-harvest without its io throttle: no CPU or io loop to interfere; a 1 s admission cool-down so the test
        // need not wait 15 s.
        GuardSettings m = GuardSettings.forMode(GuardMode.MAX_HARVEST, CapacitySettings.DEFAULTS);
        GuardSettings.Memory mm = m.memory();
        GuardSettings quick = new GuardSettings(m.mode(), m.tick(), m.cpu(), new GuardSettings.Memory(mm.reserve(), mm.admitStop(),
                mm.reclaim(), mm.margin(), mm.stallReclaim(), mm.stallEvict(), mm.stallSmoothing(), Duration.ofSeconds(1),
                mm.restoreAfter(), mm.reclaimGrace(), mm.evictTo(), mm.evictCooldown(), mm.lookahead(), mm.slackMin(), mm.slackFraction(),
                mm.minCache()), noIo(m.io()), m.pids());
        node.startGuard(quick, r -> memoryShort ? new GuardReadings(r.interval(), r.cpus(), r.memoryTotal(), Bytes.ofMiB(1),
                r.incumbentCpu(), r.secondaryCpu(), r.incumbentRunQueueWait(), r.stalls(), r.disks(), r.tasks(), r.taskLimit(),
                r.secondaries()) : r);
    }

    private static GuardSettings.Io noIo(GuardSettings.Io i) {
        return new GuardSettings.Io(false, i.busy(), i.busyWithoutPsi(), i.stallTarget(), i.stallSmoothing(), i.share(),
                i.minBps(), i.minIops(), i.tightenEvery(), i.coolDown());
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private JsonNode get(String path) throws Exception {
        return WireJson.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(node.server() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.server() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private String state(String id) {
        try {
            return get("/api/v1/jobs/" + id).get("state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean admitting() {
        try {
            return get("/api/v1/nodes").get("nodes").get(0).get("admitting").asBoolean();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> eventTypes(String query) throws Exception {
        return get("/api/v1/events?" + query).get("events").findValues("type").stream().map(JsonNode::asText).toList();
    }

    @Test
    void aMemoryShortageIsHeardByTheControllerAndTheJobRunsAgainOnceTheNodeAdmits() throws Exception {
        StringWriter out = new StringWriter();
        int code = Main.run(new String[] {"submit", "--server", node.server(), "--cpu", "0.01", "--memory", "64M", "--priority", "5",
            "--", "sh", "-c", "sleep 4; echo finished"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        assertEquals(0, code, out.toString());
        String id = out.toString().strip().lines().reduce((a, b) -> b).orElseThrow();
        await("RUNNING", 60_000, () -> state(id).equals("RUNNING")); // runc starts slowly on a loaded machine
        assertEquals("5", node.containers().get(0).annotations().get("glean.priority"), "the job's priority reached the node");

        memoryShort = true;
        await("not admitting, as the controller sees it", 10_000, () -> !admitting());
        await("evicted and back in the queue", 10_000, () -> state(id).equals("QUEUED"));
        await("the eviction in the job's history", 10_000, () -> {
            try {
                return eventTypes("job=" + id).contains("guard-evict");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> nodeEvents = eventTypes("node=e2e");
        assertTrue(nodeEvents.contains("guard-stop-admitting"), nodeEvents.toString());
        JsonNode nodes = get("/api/v1/nodes").get("nodes").get(0);
        assertTrue(nodes.get("admissionReason").asText().contains("memory is short"), nodes.toString());
        // Several reports and scheduling cycles later it is still not placed there.
        Thread.sleep(1500);
        assertEquals("QUEUED", state(id));

        PrometheusSamples p = PrometheusSamples.parse(metrics());
        assertEquals(0.0, p.value("glean_node_admitting", "node", "e2e").orElseThrow());
        assertTrue(p.value("glean_guard_actions_total", "node", "e2e", "kind", "evict").orElseThrow() >= 1, "counted from the events");
        assertTrue(p.value("glean_agent_guard_actions_total", "kind", "evict").orElseThrow() >= 1, "counted by the agent");
        assertTrue(p.value("glean_agent_memory_available_bytes").orElseThrow() <= 1 << 20);

        StringWriter events = new StringWriter();
        assertEquals(0, Main.run(new String[] {"events", "--server", node.server(), "--node", "e2e"}, new PrintWriter(events, true),
                new PrintWriter(new StringWriter(), true)));
        assertTrue(events.toString().contains("guard-evict  job " + id), events.toString());

        memoryShort = false;
        await("admitting again", 20_000, this::admitting);
        await("ran again and finished", 60_000, () -> state(id).equals("SUCCEEDED"));
        assertTrue(eventTypes("node=e2e").contains("guard-resume-admitting"));
        JsonNode attempts = get("/api/v1/jobs/" + id).get("attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        assertTrue(attempts.get(0).get("reason").asText().startsWith("evicted: "), attempts.toString());
    }
}
