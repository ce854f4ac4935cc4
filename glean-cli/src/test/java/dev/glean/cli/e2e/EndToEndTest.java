package dev.glean.cli.e2e;

import static dev.glean.cli.e2e.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real glean on the real host: controller, agent, runc containers, cgroups, SQLite; driven through the CLI and REST.
 * Jobs ask for 0.01 CPU: the test JVM and the build count as incumbents, and a busy machine lends little CPU.
 */
class EndToEndTest {
    private TestNode node;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        node = TestNode.open();
        node.startController();
        node.startAgent();
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private record Cli(int code, String out, String err) {}

    private Cli glean(String... args) {
        String[] full = new String[args.length + 2];
        full[0] = args[0];
        full[1] = "--server";
        full[2] = node.server();
        System.arraycopy(args, 1, full, 3, args.length - 1);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(full, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    private String submit(String... command) {
        String[] args = new String[command.length + 6];
        args[0] = "submit";
        args[1] = "--cpu";
        args[2] = "0.01";
        args[3] = "--memory";
        args[4] = "64M";
        args[5] = "--";
        System.arraycopy(command, 0, args, 6, command.length);
        Cli r = glean(args);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    private JsonNode job(String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.server() + "/api/v1/jobs/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        return WireJson.mapper().readTree(r.body());
    }

    private String logs(String id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.server() + "/api/v1/jobs/" + id + "/logs")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String state(String id) {
        try {
            return job(id).get("state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFailingJobEndsFailedWithItsExitCodeAndOutput() throws Exception {
        Cli r = glean("submit", "--cpu", "0.01", "--memory", "64M", "--wait", "--", "sh", "-c", "echo hi; exit 3");
        assertEquals(3, r.code(), r.err());
        String id = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode j = job(id);
        assertEquals("FAILED", j.get("state").asText());
        assertEquals(3, j.get("exitCode").asInt());
        assertEquals("hi\n", logs(id));
        assertEquals("e2e", j.get("node").asText());
    }

    @Test
    void aRunningJobSitsInTheIdleParentAsAnUnprivilegedUserAndCancelRemovesEverything() throws Exception {
        String id = submit("sleep", "60");
        await("RUNNING", 20_000, () -> state(id).equals("RUNNING"));
        String attempt = "g-" + id + "-0-1";
        Path cpuRoot = node.cgroups.v1Root("cpu");
        Path leaf = node.cgroups.mode() == dev.glean.agent.cgroup.CgroupHost.Mode.V1 ? node.cgroups.v1Parent("cpu").resolve(attempt)
                : node.cgroups.root().resolve(node.cgroups.parent()).resolve(attempt);
        List<String> procs = Files.readAllLines(leaf.resolve("cgroup.procs"));
        assertFalse(procs.isEmpty(), "the job's processes are in " + leaf);
        String pid = procs.get(0).trim();
        // The parent is directly under the root of the hierarchy and ranks secondaries lowest.
        assertEquals(cpuRoot, node.cgroups.v1Parent("cpu").getParent());
        Path idle = node.cgroups.v1Parent("cpu").resolve("cpu.idle");
        if (Files.exists(idle)) {
            assertEquals("1", Files.readString(idle).trim());
        } else {
            assertEquals("2", Files.readString(node.cgroups.v1Parent("cpu").resolve("cpu.shares")).trim());
        }
        String uid = Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("Uid:")).findFirst()
                .orElseThrow().split("\\s+")[1];
        assertNotEquals("0", uid, "container root is not host root");
        assertEquals("1000", Files.readString(Path.of("/proc", pid, "oom_score_adj")).trim());

        Cli c = glean("cancel", id);
        assertEquals(0, c.code(), c.err());
        assertEquals("CANCELLED", state(id));
        await("container and cgroups removed", 20_000, () -> node.containers().isEmpty() && node.cgroups.hierarchies().stream()
                .noneMatch(h -> Files.exists(node.cgroups.containerDir(h, attempt))));
        assertFalse(Files.exists(Path.of("/proc", pid)), "the job's process is gone");
    }

    @Test
    void aJobThatEndsWhileTheAgentIsDownKeepsItsExitCode() throws Exception {
        String id = submit("sh", "-c", "sleep 2; echo done; exit 7");
        await("RUNNING", 20_000, () -> state(id).equals("RUNNING"));
        node.stopAgent();
        Thread.sleep(3500); // the job ends while no agent runs
        assertEquals("RUNNING", state(id), "the controller has not heard yet");
        node.startAgent();
        await("FAILED", 20_000, () -> state(id).equals("FAILED"));
        assertEquals(7, job(id).get("exitCode").asInt());
        assertEquals("done\n", logs(id));
        await("container removed after acknowledgement", 10_000, () -> node.containers().isEmpty());
    }

    @Test
    void aMemoryHogIsKilledAtItsOwnLimit() throws Exception {
        Cli r = glean("submit", "--cpu", "0.01", "--memory", "32M", "--wait", "--", "python3", "-c",
                "b = bytearray(256 << 20); print('not reached')");
        assertEquals(137, r.code(), r.err());
    }

    @Test
    void aForkBombHitsItsPidsLimitAndIsEndedByItsTimeout() throws Exception {
        long hostPidsBefore = Files.list(Path.of("/proc")).filter(p -> p.getFileName().toString().matches("\\d+")).count();
        Cli r = glean("submit", "--cpu", "0.01", "--memory", "64M", "--timeout", "4s", "--wait", "--", "sh", "-c",
                "b() { b | b & }; b; sleep 60");
        String id = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode j = job(id);
        assertEquals("FAILED", j.get("state").asText(), j.toString());
        assertEquals("timed out", j.get("reason").asText());
        await("the bomb's container removed", 20_000, () -> node.containers().isEmpty());
        long hostPidsAfter = Files.list(Path.of("/proc")).filter(p -> p.getFileName().toString().matches("\\d+")).count();
        assertTrue(hostPidsAfter < hostPidsBefore + 50, "no processes left behind: " + hostPidsBefore + " -> " + hostPidsAfter);
    }

    @Test
    void aRunningAgentTakesNewWorkFromARestartedController() throws Exception {
        assertEquals(0, glean("submit", "--cpu", "0.01", "--memory", "64M", "--wait", "--", "true").code());
        node.stopController();
        node.startController(); // a new term: its desired-state versions start again
        Cli r = glean("submit", "--cpu", "0.01", "--memory", "64M", "--wait", "--", "sh", "-c", "exit 4");
        assertEquals(4, r.code(), r.err());
    }

    @Test
    void withoutTheControllerTheAgentStopsItsJobsWhenTheLeaseEndsAndTheyRunAgainLater() throws Exception {
        node.stopAgent();
        node.stopController();
        node.lease = Duration.ofSeconds(3);
        node.startController();
        node.startAgent();
        String id = submit("sh", "-c", "sleep 6; echo finished");
        await("RUNNING", 20_000, () -> state(id).equals("RUNNING"));
        node.stopController();
        // The agent cannot renew its lease: within lease + its 2 s stop grace, the job is stopped on the node.
        await("stopped by the agent", 10_000, () -> node.containers().stream()
                .allMatch(c -> c.phase() == dev.glean.core.runtime.ContainerPhase.EXITED));
        node.startController();
        await("ran again and finished", 40_000, () -> state(id).equals("SUCCEEDED"));
        JsonNode attempts = job(id).get("attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        assertEquals("LOST", attempts.get(0).get("state").asText());
        assertTrue(attempts.get(0).get("reason").asText().contains("lease"), attempts.toString());
        assertEquals("SUCCEEDED", attempts.get(1).get("state").asText());
        assertEquals("finished\n", logs(id));
    }

    @Test
    void aJobEvictedByTheGuardRunsAgainWithoutSpendingARetry() throws Exception {
        String id = submit("sh", "-c", "sleep 3; echo finished");
        await("RUNNING", 20_000, () -> state(id).equals("RUNNING"));
        node.agent.evict("g-" + id + "-0-1", "available memory 900M is below the reserve of 1G");
        await("ran again and finished", 40_000, () -> state(id).equals("SUCCEEDED"));
        JsonNode attempts = job(id).get("attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        assertEquals("LOST", attempts.get(0).get("state").asText());
        assertTrue(attempts.get(0).get("reason").asText().startsWith("evicted: available memory 900M"), attempts.toString());
        assertEquals("SUCCEEDED", attempts.get(1).get("state").asText());
        assertEquals("finished\n", logs(id));
    }

    @Test
    void aControllerRestartKeepsHistoryAndRunsQueuedJobs() throws Exception {
        Cli first = glean("submit", "--cpu", "0.01", "--memory", "64M", "--wait", "--", "sh", "-c", "echo one");
        assertEquals(0, first.code(), first.err());
        String a = first.out().strip().lines().reduce((x, y) -> y).orElseThrow();
        int eventsBefore = job(a).get("events").size();
        node.stopAgent();
        String b = submit("sh", "-c", "echo two");
        // The node still counts as up (its lease holds), so b may already be PLACED there; it cannot have run.
        assertTrue(List.of("QUEUED", "PLACED").contains(state(b)), state(b));
        node.stopController();
        node.startController();
        JsonNode ja = job(a);
        assertEquals("SUCCEEDED", ja.get("state").asText());
        assertEquals(eventsBefore, ja.get("events").size());
        assertEquals("one\n", logs(a));
        assertTrue(List.of("QUEUED", "PLACED").contains(state(b)), state(b));
        assertTrue(job(b).get("startedAt").isNull());
        node.startAgent();
        try {
            await("queued job runs after the restart", 30_000, () -> state(b).equals("SUCCEEDED"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; job: " + job(b) + "; nodes: " + http.send(HttpRequest.newBuilder(
                    URI.create(node.server() + "/api/v1/nodes")).build(), HttpResponse.BodyHandlers.ofString()).body()
                    + "; containers: " + node.containers(), e);
        }
        assertEquals("two\n", logs(b));
        assertTrue(Integer.parseInt(b) > Integer.parseInt(a));
    }
}
