package dev.glean.cli.e2e;

import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.AgentSettings;
import dev.glean.agent.ControllerLink;
import dev.glean.agent.NodeAgent;
import dev.glean.agent.cgroup.CgroupCleaner;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.guard.CgroupControls;
import dev.glean.agent.guard.GuardMetrics;
import dev.glean.agent.guard.GuardOutbox;
import dev.glean.agent.guard.GuardSampler;
import dev.glean.agent.guard.NodeGuard;
import dev.glean.agent.guard.RuntimeSecondaries;
import dev.glean.agent.metrics.HostSampler;
import dev.glean.agent.runtime.RuncRuntime;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.store.SqliteStorage;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.guard.GuardPolicy;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardSettings;
import dev.glean.core.runtime.ContainerInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A whole glean on the real host for one test: a controller over a SQLite file and an agent with real runc,
 * with a parent cgroup of its own ("glean-e2e-<random>") so it never meets a real glean. Either can be stopped and
 * started again over the same files. {@link #close()} removes every container, cgroup and file it made.
 */
final class TestNode implements AutoCloseable {
    final Path base;
    final CgroupHost cgroups;
    final int port;
    final RuncRuntime.Settings runtimeSettings;
    Controller controller;
    NodeAgent agent;
    NodeGuard guard;
    GuardSampler guardReadings;
    private final PrintStream log = new PrintStream(java.io.OutputStream.nullOutputStream());

    private TestNode(Path base, CgroupHost cgroups, int port) {
        this.base = base;
        this.cgroups = cgroups;
        this.port = port;
        AgentSettings agent = AgentSettings.defaults("e2e", List.of(), base.resolve("agent"));
        this.runtimeSettings = RuncRuntime.Settings.defaults(base.resolve("agent/containers")).withCgroups(cgroups)
                .withRuncRoot(base.resolve("agent/runc")).withJobLimits(agent.diskPerJob(), agent.logPerJob());
    }

    static TestNode open() throws IOException {
        assumeFalse(Boolean.getBoolean("glean.it.skip"), "glean.it.skip");
        String parent = "glean-e2e-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path base = Files.createTempDirectory(Path.of("/tmp"), "glean-e2e-");
        Files.setAttribute(base, "unix:mode", 0711);
        Files.createDirectories(base.resolve("agent"));
        Files.setAttribute(base.resolve("agent"), "unix:mode", 0711);
        CgroupHost cg = CgroupHost.detect(Path.of("/sys/fs/cgroup"), parent);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestNode n = new TestNode(base, cg, port);
        Optional<String> missing = RuncRuntime.probe(n.runtimeSettings);
        if (missing.isPresent()) {
            deleteTree(base);
        }
        assumeTrue(missing.isEmpty(), () -> "real containers cannot run here: " + missing.orElse(""));
        return n;
    }

    /** Polls {@code ok} every 50 ms until it holds; fails after {@code millis}. */
    static void await(String what, long millis, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    String server() {
        return "http://127.0.0.1:" + port;
    }

    Duration lease = ControllerSettings.defaults().lease();

    void startController() throws IOException {
        ControllerSettings s = ControllerSettings.defaults().withPort(port).withLease(lease, ControllerSettings.MIN_LOST_GRACE);
        controller = new Controller(s, SqliteStorage.open(base.resolve("glean.db")), Clock.systemUTC()).start();
    }

    void stopController() {
        controller.close();
        controller = null;
    }

    void startAgent() {
        AgentSettings s = new AgentSettings("e2e", List.of(URI.create(server())), base.resolve("agent"), java.util.Map.of(),
                GuardMode.BALANCED, Duration.ofMillis(500), Duration.ofMillis(50), 256, 1024, Duration.ofSeconds(2),
                dev.glean.agent.guard.ProtectedIncumbents.NONE, null, runtimeSettings.diskPerJob(), runtimeSettings.logPerJob());
        RuncRuntime rt = RuncRuntime.create(runtimeSettings);
        HostSampler sampler = HostSampler.create(Path.of("/proc"), cgroups, Clock.systemUTC());
        agent = new NodeAgent(s, rt, ids -> withoutBusyIncumbents(sampler.sample(ids)), new ControllerLink(s.controllers()),
                Clock.systemUTC(), log).start();
    }

    /**
     * The real reading with the host's CPU use reduced to the secondaries' own. The build and the test JVMs are the
     * "incumbents" here, and on a loaded CI machine a true forecast rightly lends no CPU at all; these tests are about
     * containers, leases and restarts, not about lending, which the estimator's own tests cover.
     */
    private static dev.glean.core.node.NodeSample withoutBusyIncumbents(dev.glean.core.node.NodeSample s) {
        return new dev.glean.core.node.NodeSample(s.at(), s.cpus(), s.memoryTotal(), s.memoryAvailable(), s.secondaryCpu(),
                s.secondaryCpu(), s.secondaryMemory(), s.secondaryPageCache(), s.hostBusySeconds(), s.hostIdleSeconds(),
                s.secondaryCpuSeconds(), s.cpuPressure(), s.memoryPressure(), s.ioPressure(), s.containers());
    }

    /**
     * The real guard beside the agent (started first), as glean agent wires it, with every reading passed through
     * {@code adjust} (a test fakes a memory shortage there); its events go to the controller and its numbers into
     * the controller's /metrics, as under glean up.
     */
    void startGuard(GuardSettings settings, UnaryOperator<GuardReadings> adjust) {
        guardReadings = GuardSampler.forHost(cgroups, dev.glean.agent.guard.ProtectedIncumbents.NONE, new RuntimeSecondaries(RuncRuntime.create(runtimeSettings), Clock.systemUTC(),
                Duration.ofMillis(200)), Clock.systemUTC());
        GuardOutbox outbox = new GuardOutbox(1000, GuardOutbox.SUMMARY_EVERY, Clock.systemUTC(), log);
        GuardMetrics numbers = new GuardMetrics();
        agent.attachGuard(outbox);
        NodeAgent a = agent;
        guard = new NodeGuard(new GuardPolicy(settings), numbers.watching(() -> adjust.apply(guardReadings.read())),
                new CgroupControls(cgroups, Duration.ofMillis(100)), a::evict, NodeGuard.Listener.all(outbox, numbers),
                Clock.systemUTC()).start();
        controller.addMetrics(out -> {
            a.writeMetrics(out);
            numbers.write(out);
        });
    }

    /**
     * Starts the node guard beside the running agent as {@code glean agent} does (balanced, the controller's default
     * reserve), reading the real host; every event it takes goes to {@code listener}.
     */
    void startGuard(NodeGuard.Listener listener) {
        RuncRuntime rt = RuncRuntime.create(runtimeSettings);
        guardReadings = GuardSampler.forHost(cgroups, dev.glean.agent.guard.ProtectedIncumbents.NONE,
                new RuntimeSecondaries(rt, Clock.systemUTC(), Duration.ofSeconds(1)),
                Clock.systemUTC());
        guard = new NodeGuard(new GuardPolicy(GuardSettings.forMode(GuardMode.BALANCED,
                ControllerSettings.defaults().capacity())), guardReadings::read,
                new CgroupControls(cgroups, Duration.ofMillis(100)), agent::evict, listener, Clock.systemUTC()).start();
    }

    private volatile String parentShares;

    /**
     * Puts glean's parent back in the kernel's idle class with its lowest weight, as the agent made it, or takes it out
     * at a normal weight (v1 cpu.idle and cpu.shares, where they exist).
     */
    void parentCpuIdle(boolean idle) throws IOException {
        Path dir = cgroups.mode() == CgroupHost.Mode.V1 ? cgroups.v1Parent("cpu") : cgroups.root().resolve(cgroups.parent());
        Path shares = dir.resolve("cpu.shares");
        Path idleFile = dir.resolve("cpu.idle");
        // The kernel refuses a weight for an idle group (EINVAL): leave the idle class first, enter it last.
        if (!idle && Files.exists(idleFile)) {
            Files.writeString(idleFile, "0");
        }
        if (!idle && Files.exists(shares)) {
            String was = Files.readString(shares).trim();
            parentShares = parentShares == null || !was.equals("1024") ? was : parentShares;
            Files.writeString(shares, "1024");
        } else if (idle && parentShares != null) {
            Files.writeString(shares, parentShares);
        }
        if (idle && Files.exists(idleFile)) {
            Files.writeString(idleFile, "1");
        }
    }

    /** Stops the agent process's work; its containers keep running, as they do when a real agent dies. */
    void stopAgent() {
        if (guard != null) {
            guard.close();
            guardReadings.close();
            guard = null;
        }
        agent.close();
        agent = null;
    }

    List<ContainerInfo> containers() {
        return RuncRuntime.create(runtimeSettings).list();
    }

    @Override
    public void close() throws IOException {
        if (agent != null) {
            stopAgent();
        }
        if (controller != null) {
            stopController();
        }
        RuncRuntime rt = RuncRuntime.create(runtimeSettings);
        for (ContainerInfo c : rt.list()) {
            rt.remove(c.id());
        }
        new CgroupCleaner(cgroups).removeParent();
        deleteTree(base);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
