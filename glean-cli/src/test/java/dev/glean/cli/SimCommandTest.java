package dev.glean.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `glean sim`: its outputs, and one-line usage errors with exit 2 like every other command. */
class SimCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static void assertOneLineError(Result r, String contains) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().startsWith("glean: ") && r.err().contains(contains), r.err());
    }

    @Test
    void printsTheDefaultAndBothAblationsSideBySide() {
        Result r = run("sim", "--nodes", "12", "--days", "0.2", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        String header = r.out().lines().filter(l -> l.contains("default")).findFirst().orElseThrow();
        assertTrue(header.contains("--no-risk-aware") && header.contains("--estimator naive"), r.out());
        assertTrue(r.out().contains("memory shortfalls"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("default: harvested [0-9.]+ %, wasted [0-9.]+ % of .*")), r.out());
    }

    @Test
    void jsonHasOneRunPerVariant() throws Exception {
        Result r = run("sim", "--nodes", "12", "--days", "0.2", "--no-risk-aware", "-o", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode runs = WireJson.mapper().readTree(r.out()).path("runs");
        assertEquals(1, runs.size());
        JsonNode one = runs.get(0);
        assertEquals("--no-risk-aware", one.path("variant").asText());
        assertEquals(12, one.path("nodes").asInt());
        double idle = one.path("idleCoreHours").asDouble();
        assertEquals(idle, one.path("harvestedCoreHours").asDouble() + one.path("idleUnusedCoreHours").asDouble(), 1e-6 * idle);
        assertEquals(100 * one.path("harvestedCoreHours").asDouble() / idle, one.path("harvestedPercent").asDouble(), 1e-9);
        double kindsIdle = 0;
        for (JsonNode k : one.path("byKind")) {
            kindsIdle += k.path("idleCoreHours").asDouble();
        }
        assertEquals(idle, kindsIdle, 1e-6 * idle, "the kinds add up to the cluster");
    }

    @Test
    void replaysATrace() throws Exception {
        Path csv = dir.resolve("t.csv");
        Files.write(csv, List.of("node,time,cpus,memory_gib,cpu_percent,memory_percent", "a,0,8,32,10,20", "a,3600,8,32,50,20",
                "b,0,4,16,5,10"));
        Result r = run("sim", "--trace", csv.toString(), "--days", "0.1", "--estimator", "naive", "-o", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode run = WireJson.mapper().readTree(r.out()).path("runs").get(0);
        assertEquals(2, run.path("nodes").asInt());
        assertEquals("--estimator naive", run.path("variant").asText());
    }

    @Test
    void usageErrors() throws Exception {
        assertOneLineError(run("sim", "--days", "0"), "--days");
        assertOneLineError(run("sim", "--nodes", "0"), "--nodes");
        assertOneLineError(run("sim", "--nodes", "many"), "--nodes");
        assertOneLineError(run("sim", "--estimator", "magic", "--nodes", "2", "--days", "0.01"), "--estimator");
        assertOneLineError(run("sim", "-o", "yaml"), "-o");
        assertOneLineError(run("sim", "--trace", dir.resolve("missing.csv").toString()), "no such file");
        Path bad = dir.resolve("bad.csv");
        Files.write(bad, List.of("node,time,cpus,memory_gib,cpu_percent,memory_percent", "a,0,8,32,10,20", "a,60,8,32,ten,20"));
        assertOneLineError(run("sim", "--trace", bad.toString()), "line 3: cpu_percent is not a number");
        Path ok = dir.resolve("ok.csv");
        Files.write(ok, List.of("node,time,cpus,memory_gib,cpu_percent,memory_percent", "a,0,8,32,10,20"));
        assertOneLineError(run("sim", "--trace", ok.toString(), "--nodes", "5"), "only 1 nodes");
    }
}
