package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import dev.glean.cli.client.ApiClient;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The five-minute tour: glean (started if none runs), a bursty incumbent outside glean, a batch of
 * Monte-Carlo tasks inside it, progress, and what the agent measured. Stops what it started unless --keep.
 */
@Command(name = "demo", description = "Run a demo: a bursty incumbent, Monte-Carlo secondaries, and what the agent measured.")
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--tasks", defaultValue = "16", description = "Monte-Carlo tasks to run (default 16)")
    int tasks;

    @Option(names = "--samples", defaultValue = "15000000", description = "random points per task (default 15000000)")
    long samples;

    @Option(names = "--keep", description = "leave glean and the incumbent running afterwards")
    boolean keep;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory if glean is started (default ./.glean)")
    Path data;

    private final List<Process> started = new ArrayList<>();
    private volatile ApiClient api;
    private volatile String activeJob;
    private volatile Path startedData;

    @Override
    public Integer call() throws Exception {
        if (tasks < 1 || tasks > 10_000 || samples < 1000) {
            throw new CliException(CliException.USAGE, "--tasks must be 1-10000 and --samples at least 1000");
        }
        PrintWriter out = spec.commandLine().getOut();
        ApiClient api = client.client();
        this.api = api;
        Thread cleanup = new Thread(this::stopStarted);
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            if (!api.healthy()) {
                startGlean(api, out);
            } else {
                out.println("demo: using the glean already running at " + api.server());
            }
            String node = awaitNode(api);
            out.println("demo: starting a bursty incumbent outside glean (1 core for 1.5 s, 256 MiB, then quiet 2.5 s)");
            Process incumbent = self("demo-incumbent", "--seconds", "3600");
            started.add(incumbent);
            Thread.sleep(1500);
            JsonNode before = nodeUsage(api, node);
            long t0 = System.nanoTime();
            String id = submit(api);
            activeJob = id;
            out.println("demo: submitted job " + id + ": " + tasks + " Monte-Carlo tasks estimating pi, " + samples
                    + " points each, cpu 0.1 (the idle class hands them whatever CPU is idle), memory 64M");
            JsonNode job = progress(api, id, out);
            activeJob = null;
            double secs = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(1200); // one more agent reading covers the end of the last task
            JsonNode after = nodeUsage(api, node);
            report(api, job, before, after, secs, node, out);
            return "SUCCEEDED".equals(job.path("state").asText()) ? 0 : 1;
        } finally {
            if (!keep) {
                stopStarted();
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } else if (!started.isEmpty()) {
                out.println("demo: --keep: left running (pids " + started.stream().map(p -> Long.toString(p.pid())).toList() + ")");
            }
            out.flush();
        }
    }

    private void startGlean(ApiClient api, PrintWriter out) throws Exception {
        int port = api.server().getPort() < 0 ? 7070 : api.server().getPort();
        String host = api.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new CliException(CliException.SERVER, "no glean at " + api.server() + " and the demo only starts one on 127.0.0.1");
        }
        Path dir = (data != null ? data : Path.of(".glean")).toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path log = dir.resolve("demo-up.log");
        out.println("demo: no glean at " + api.server() + "; starting 'glean up --port " + port + " --data " + dir + "' (log: " + log + ")");
        out.flush();
        Process up = selfTo(log, "up", "--port", Integer.toString(port), "--data", dir.toString());
        started.add(up);
        startedData = dir;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!api.healthy()) {
            if (!up.isAlive()) {
                String tail = Files.exists(log) ? Files.readString(log).strip() : "";
                throw new CliException(1, "glean up exited with code " + up.exitValue() + ": "
                        + tail.lines().reduce((a, b) -> b).orElse("(no output)"));
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(1, "glean up did not answer within 60 s; see " + log);
            }
            Thread.sleep(200);
        }
    }

    private static String awaitNode(ApiClient api) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (JsonNode n : api.get("/api/v1/nodes").path("nodes")) {
                if ("READY".equals(n.path("status").asText()) && n.has("usage") && n.path("lendable").path("cpu").asDouble() > 0) {
                    return n.path("name").asText();
                }
            }
            Thread.sleep(300);
        }
        throw new CliException(1, "no node reported to glean within 30 s (is the agent running? see 'glean nodes')");
    }

    private static JsonNode nodeUsage(ApiClient api, String node) {
        for (JsonNode n : api.get("/api/v1/nodes").path("nodes")) {
            if (n.path("name").asText().equals(node)) {
                return n.path("usage");
            }
        }
        throw new CliException(1, "node " + node + " disappeared");
    }

    private String submit(ApiClient api) {
        ObjectNode body = WireJson.mapper().createObjectNode();
        body.put("name", "demo-montecarlo");
        body.put("tenant", "demo");
        body.put("cpu", 0.1);
        body.put("memory", "64M");
        body.put("array", "0-" + (tasks - 1));
        ArrayNode cmd = body.putArray("command");
        cmd.add("awk");
        cmd.add("BEGIN { srand({index} + 1); n = " + samples + "; h = 0; for (i = 0; i < n; i++) { x = rand(); y = rand(); "
                + "if (x*x + y*y < 1) h++ } printf \"task {index}: pi ~ %.6f (%d points)\\n\", 4*h/n, n }");
        return api.post("/api/v1/jobs", body).path("id").asText();
    }

    private static JsonNode progress(ApiClient api, String id, PrintWriter out) throws InterruptedException {
        String last = "";
        while (true) {
            JsonNode j = api.get("/api/v1/jobs/" + id);
            JsonNode t = j.path("tasks");
            String line = String.format(Locale.ROOT, "demo: %-9s done %d/%d  running %d  queued %d  failed %d", j.path("state").asText(),
                    t.path("SUCCEEDED").asInt(), t.path("total").asInt(), t.path("RUNNING").asInt() + t.path("PLACED").asInt(),
                    t.path("QUEUED").asInt(), t.path("FAILED").asInt() + t.path("LOST").asInt());
            if (!line.equals(last)) {
                out.println(line);
                out.flush();
                last = line;
            }
            if (SubmitCommand.isTerminal(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(500);
        }
    }

    private static void report(ApiClient api, JsonNode job, JsonNode before, JsonNode after, double secs, String node, PrintWriter out) {
        double sec = after.path("secondaryCpuSeconds").asDouble() - before.path("secondaryCpuSeconds").asDouble();
        double inc = after.path("incumbentCpuSeconds").asDouble() - before.path("incumbentCpuSeconds").asDouble();
        double idle = after.path("hostIdleSeconds").asDouble() - before.path("hostIdleSeconds").asDouble();
        double total = sec + inc + idle;
        double pi = 0;
        int n = 0;
        int count = job.path("tasks").path("total").asInt();
        for (int i = 0; i < count; i++) {
            try (var in = api.stream("/api/v1/jobs/" + job.path("id").asText() + "/logs?task=" + i, "text/plain")) {
                String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                int at = text.indexOf("pi ~ ");
                if (at >= 0) {
                    pi += Double.parseDouble(text.substring(at + 5).split("\\s")[0]);
                    n++;
                }
            } catch (java.io.IOException | NumberFormatException e) {
                // a task without output counts as not done below
            }
        }
        JsonNode t = job.path("tasks");
        out.println();
        out.printf(Locale.ROOT, "glean demo: measured by the agent on node %s over %.1f s%n", node, secs);
        Table tab = new Table("MEASURE", "VALUE", "NOTE");
        tab.row("jobs done", t.path("SUCCEEDED").asInt() + " of " + count, "tasks of job " + job.path("id").asText() + ", "
                + (t.path("FAILED").asInt() + t.path("LOST").asInt()) + " failed");
        tab.row("secondary CPU-seconds", fmt(sec), "in glean's idle-class cgroup");
        tab.row("incumbent CPU-seconds", fmt(inc), "everything outside glean (glean's own JVM included)");
        tab.row("CPU left idle", fmt(idle) + " s", String.format(Locale.ROOT, "%.0f %% of %.1f CPU-seconds", total > 0 ? 100 * idle / total : 0, total));
        tab.row("pi (mean of tasks)", n == 0 ? "-" : String.format(Locale.ROOT, "%.5f", pi / n), n + " task outputs read back");
        tab.print(out);
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    private static boolean hasTasks(ApiClient api) {
        for (JsonNode n : api.get("/api/v1/nodes").path("nodes")) {
            if (n.path("usage").path("containers").asInt() > 0) {
                return true;
            }
        }
        return false;
    }

    private Process self(String... args) throws java.io.IOException {
        return build(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private Process selfTo(Path log, String... args) throws java.io.IOException {
        return build(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static ProcessBuilder build(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", System.getProperty("java.class.path"), "dev.glean.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")));
    }

    private void stopStarted() {
        String job = activeJob;
        if (job != null) {
            // Interrupted mid-run: cancel the job first so its containers end before glean does.
            try {
                api.delete("/api/v1/jobs/" + job);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline && hasTasks(api)) {
                    Thread.sleep(250);
                }
            } catch (RuntimeException | InterruptedException e) {
                // best effort: glean's lease stops the containers anyway
            }
            activeJob = null;
        }
        for (Process p : List.copyOf(started)) {
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
            started.remove(p);
        }
        Path data = startedData;
        if (data != null) {
            // The glean we started had its lease watchdog; no agent remains for it to guard.
            dev.glean.agent.LeaseWatchdog.stop(data.resolve("agent"));
            startedData = null;
        }
    }
}
