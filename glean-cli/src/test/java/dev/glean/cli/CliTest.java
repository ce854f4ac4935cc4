package dev.glean.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.SimulatedAgent;
import dev.glean.controller.store.InMemoryStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CLI's contract: outputs, one-line errors and the exit codes of the Interfaces (0, job's own, 2, 3). */
class CliTest {
    private Controller controller;
    private String server;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        controller = new Controller(ControllerSettings.defaults().withPort(0), new InMemoryStorage(), Clock.systemUTC()).start();
        server = "http://127.0.0.1:" + controller.port();
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private Result client(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add(1, "--server");
        a.add(2, server);
        return run(a.toArray(String[]::new));
    }

    private static void assertOneLineError(Result r, int code) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().startsWith("glean: "), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--memory=5XB", "--cpu=-1", "--memory=-1G", "--array=5-1", "--timeout=soon", "--env=1X=2"})
    void badResourcesAreUsageErrors(String flag) {
        assertOneLineError(client("submit", flag, "--", "true"), 2);
        assertEquals(0, controller.jobs().list(null).size(), "nothing submitted");
    }

    @Test
    void usageErrors() {
        assertOneLineError(client("submit"), 2);
        assertOneLineError(run("submit", "--bogus", "--", "true"), 2);
        assertOneLineError(run("nosuchcommand"), 2);
        assertOneLineError(client("job", "bad id!"), 2);
        assertOneLineError(client("jobs", "-o", "yaml"), 2);
        assertOneLineError(run("jobs", "--server", "not a url"), 2);
    }

    @Test
    void serverDownOrRefusingIsExit3() {
        assertOneLineError(run("jobs", "--server", "http://127.0.0.1:1"), 3);
        assertTrue(run("jobs", "--server", "http://127.0.0.1:1").err().contains("cannot reach glean"));
        Result unknown = client("job", "999");
        assertOneLineError(unknown, 3);
        assertTrue(unknown.err().contains("no job '999'"), unknown.err());
        assertOneLineError(client("cancel", "999"), 3);
    }

    @Test
    void submitPrintsTheIdAloneOnItsLastLineAndTheJobIsListed() throws Exception {
        Result r = client("submit", "--name", "hello", "--cpu", "0.5", "--memory", "128M", "--env", "A=b", "--", "sh", "-c", "echo hi");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        String id = lines.get(lines.size() - 1);
        assertTrue(id.matches("[A-Za-z0-9_.:-]+"), id);
        JsonNode jobs = WireJson.mapper().readTree(client("jobs", "-o", "json").out());
        assertEquals(id, jobs.get("jobs").get(0).get("id").asText());
        assertEquals("hello", jobs.get("jobs").get(0).get("name").asText());
        assertEquals(128L << 20, jobs.get("jobs").get(0).get("memoryBytes").asLong());
        Result table = client("jobs", "--state", "QUEUED");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains("QUEUED")), table.out());
        assertEquals(0, client("cancel", id).code());
        assertTrue(client("job", id).out().contains("CANCELLED"));
        assertTrue(client("events", "--job", id).out().contains("QUEUED->CANCELLED"));
    }

    @Test
    void drainStopsAndRequeuesANodesTasksAndUncordonGivesItBack() throws Exception {
        SimulatedAgent n1 = new SimulatedAgent("n1", controller.agents(), Clock.systemUTC(), 2, 8);
        n1.report();
        String id = client("submit", "--", "sleep", "100").out().strip().lines().reduce((a, b) -> b).orElseThrow();
        controller.loop().cycle();
        n1.report();
        n1.report();
        assertEquals("RUNNING", controller.jobs().get(id).state().name());
        Result drain = run("node", "drain", "n1", "--server", server);
        assertEquals(0, drain.code(), drain.err());
        assertTrue(drain.out().contains("node n1 cordoned; 1 task(s) stopping"), drain.out());
        n1.report(); // stops what is no longer desired
        assertEquals(List.of(), n1.running());
        n1.report(); // reports it ended
        assertEquals("QUEUED", controller.jobs().get(id).state().name());
        JsonNode job = WireJson.mapper().readTree(client("job", id, "-o", "json").out());
        assertTrue(job.path("attempts").get(0).path("reason").asText().startsWith("drained: node n1 drained by"), job.toString());
        JsonNode nodes = WireJson.mapper().readTree(client("nodes", "-o", "json").out());
        assertTrue(nodes.path("nodes").get(0).path("cordoned").asBoolean(), nodes.toString());
        controller.loop().cycle();
        assertEquals("QUEUED", controller.jobs().get(id).state().name(), "a cordoned node takes no new work");
        assertEquals(0, run("node", "uncordon", "n1", "--server", server).code());
        controller.loop().cycle();
        assertEquals("PLACED", controller.jobs().get(id).state().name());
        assertTrue(client("events", "--node", "n1").out().contains("node-drained"));
        Result unknown = run("node", "drain", "n9", "--server", server);
        assertOneLineError(unknown, 3);
        assertTrue(unknown.err().contains("no node named 'n9'"), unknown.err());
        assertOneLineError(run("node", "drain", "bad name!", "--server", server), 2);
        assertOneLineError(run("node", "reboot", "n1", "--server", server), 2);
    }

    @Test
    void holdReleaseAndRequeue() throws Exception {
        String id = client("submit", "--", "sleep", "100").out().strip().lines().reduce((a, b) -> b).orElseThrow();
        Result hold = client("hold", id); // no node yet: it is still queued
        SimulatedAgent n1 = new SimulatedAgent("n1", controller.agents(), Clock.systemUTC(), 2, 8);
        n1.report();
        assertEquals(0, hold.code(), hold.err());
        assertTrue(hold.out().contains("QUEUED (held)"), hold.out());
        controller.loop().cycle();
        assertEquals("QUEUED", controller.jobs().get(id).state().name(), "a held job is not placed");
        assertTrue(WireJson.mapper().readTree(client("jobs", "-o", "json").out()).path("jobs").get(0).path("held").asBoolean());
        assertEquals(0, client("release", id).code());
        controller.loop().cycle();
        n1.report();
        n1.report();
        assertEquals("RUNNING", controller.jobs().get(id).state().name());
        Result requeue = client("requeue", id);
        assertEquals(0, requeue.code(), requeue.err());
        assertTrue(requeue.out().contains("1 task(s) stopping"), requeue.out());
        assertEquals("RUNNING", controller.jobs().get(id).state().name(), "queued again only once the node stopped it");
        n1.report();
        n1.report();
        JsonNode job = WireJson.mapper().readTree(client("job", id, "-o", "json").out());
        // Back in the queue, and the controller's own loop may already have placed it again as attempt 2.
        assertTrue(List.of("QUEUED", "PLACED").contains(job.path("state").asText()), job.toString());
        assertEquals("LOST", job.path("attempts").get(0).path("state").asText());
        assertTrue(job.path("attempts").get(0).path("reason").asText().startsWith("stopped by a user via the API (requeue)"), job.toString());
        assertTrue(client("events", "--job", id).out().contains("held"));
        Result missing = client("hold", "999");
        assertOneLineError(missing, 3);
        assertTrue(missing.err().contains("no job '999'"), missing.err());
        assertEquals(0, client("cancel", id).code());
        Result ended = client("requeue", id);
        assertOneLineError(ended, 3);
        assertTrue(ended.err().contains("already ended"), ended.err());
        assertOneLineError(client("hold", "bad id!"), 2);
    }

    @Test
    void submitWaitExitsWithTheJobsExitCode() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        SimulatedAgent n1 = new SimulatedAgent("n1", controller.agents(), Clock.systemUTC(), 2, 8);
        Thread agent = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                n1.report();
                for (String id : n1.running()) {
                    n1.exit(id, 7);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            Result r = client("submit", "--wait", "--", "sh", "-c", "exit 7");
            assertEquals(7, r.code(), r.err());
            assertTrue(r.err().contains("FAILED exit 7"), r.err());
            assertFalse(r.out().isBlank());
        } finally {
            running.set(false);
            agent.join();
        }
    }

    @Test
    void jobFilesWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("job.yaml");
        java.nio.file.Files.writeString(f, "name: fromfile\ncommand: [sh, -c, 'echo {index}']\ncpu: 0.25\nmemory: 64M\narray: 0-3\n");
        Result r = client("submit", "-f", f.toString());
        assertEquals(0, r.code(), r.err());
        String id = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode j = WireJson.mapper().readTree(client("job", id, "-o", "json").out());
        assertEquals(4, j.get("tasks").get("total").asInt());
        java.nio.file.Files.writeString(f, "command: [true]\ncpus: 2\n");
        assertOneLineError(client("submit", "-f", f.toString()), 2);
    }
}
