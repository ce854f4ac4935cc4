package dev.glean.cli.commands;

import dev.glean.agent.AgentSettings;
import dev.glean.agent.ControllerLink;
import dev.glean.agent.LeaseEnforcer;
import dev.glean.agent.LeaseWatchdog;
import dev.glean.agent.NodeAgent;
import dev.glean.agent.cgroup.AgentCpu;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ContainerCgroup;
import dev.glean.agent.guard.CgroupControls;
import dev.glean.agent.MetricsServer;
import dev.glean.agent.guard.GuardLog;
import dev.glean.agent.guard.GuardMetrics;
import dev.glean.agent.guard.GuardOutbox;
import dev.glean.agent.guard.GuardSampler;
import dev.glean.agent.guard.JobDiskDevices;
import dev.glean.agent.guard.NodeGuard;
import dev.glean.agent.guard.RuntimeSecondaries;
import dev.glean.agent.metrics.HostSampler;
import dev.glean.agent.runtime.RuncRuntime;
import dev.glean.api.PrometheusText;
import dev.glean.cli.CliException;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.store.SqliteStorage;
import dev.glean.core.guard.GuardPolicy;
import dev.glean.core.guard.GuardSettings;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.store.Storage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Builds the long-running parts (controller, agent) from settings; shared by up, controller and agent. */
final class NodeProcess {
    /** After the lease ran out, the agent stops containers within ~2 s; the watchdog acts only if it did not. */
    static final Duration WATCHDOG_SLACK = Duration.ofSeconds(3);
    /**
     * The agent's own hard deadline (LeaseEnforcer): after its graceful stop (2 s) and before the watchdog's, so the
     * secondaries are gone well within the controller's lostGrace even when the agent's idle-class threads are late.
     */
    static final Duration ENFORCE_AFTER = Duration.ofMillis(2500);
    static final Duration ENFORCE_TICK = Duration.ofMillis(200);
    private NodeProcess() {}

    static Controller controller(ControllerSettings s, Path dataDir, String db) throws IOException {
        Storage storage;
        if (db != null && !db.isBlank()) {
            if (!db.startsWith("jdbc:sqlite:")) {
                throw new CliException(CliException.USAGE, "only SQLite databases (jdbc:sqlite:FILE) are supported in this version: " + db);
            }
            storage = SqliteStorage.open(Path.of(db.substring("jdbc:sqlite:".length())));
        } else {
            Files.createDirectories(dataDir);
            storage = SqliteStorage.open(dataDir.resolve("glean.db"));
        }
        try {
            return new Controller(s, storage, Clock.systemUTC()).start();
        } catch (java.net.BindException e) {
            storage.close();
            throw new CliException(1, "port " + s.port() + " on " + s.bind() + " is in use (is glean already running?)");
        }
    }

    /**
     * The agent with its guard; closing stops both (their containers and cgroup settings stay, see NodeGuard).
     * {@code metrics} writes the agent's families; {@code listener} serves them, null when not listening.
     */
    record RunningAgent(NodeAgent agent, NodeGuard guard, LeaseEnforcer enforcer, GuardSampler sampler,
            PrometheusText.Source metrics, MetricsServer listener, Optional<AgentCpu> ownCpu) implements AutoCloseable {
        @Override
        public void close() {
            if (listener != null) {
                listener.close();
            }
            guard.close();
            agent.close();
            enforcer.close();
            sampler.close();
            // The process (and what it started) back where it was, and no empty cgroup left behind.
            ownCpu.ifPresent(AgentCpu::undo);
        }
    }

    /**
     * @param reserve the memory reserve: the controller's admission keeps it free, the guard evicts below it. One
     *     setting for both (controller.memoryReserve in the config file).
     * @param cgroupParent glean's parent cgroup (agent.cgroupParent)
     * @param ownCpuIdle this process (all but the guard's thread) goes to the idle class (agent.ownCpu, AgentCpu)
     */
    static RunningAgent agent(AgentSettings s, String cgroupParent, boolean ownCpuIdle, CapacitySettings reserve,
            PrintStream log, boolean listen) {
        requireRoot();
        CgroupHost cgroups = CgroupHost.detect(Path.of("/sys/fs/cgroup"), cgroupParent);
        // First, so every thread and process the agent starts from here on (runc, conmon, the watchdog) inherits it.
        Optional<AgentCpu> ownCpu = ownCpuIdle ? AgentCpu.apply(cgroups) : Optional.empty();
        Path state = s.stateDir().toAbsolutePath().normalize();
        try {
            // The containers' root (an unprivileged host uid) must traverse it to reach their bundles.
            Files.createDirectories(state);
            Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new CliException(1, "cannot create the agent's state directory " + state + ": " + e.getMessage());
        }
        RuncRuntime.Settings rs = RuncRuntime.Settings.defaults(state.resolve("containers")).withCgroups(cgroups)
                .withRuncRoot(state.resolve("runc")).withJobLimits(s.diskPerJob(), s.logPerJob());
        RuncRuntime runtime = RuncRuntime.create(rs);
        HostSampler sampler = HostSampler.create(Path.of("/proc"), cgroups, Clock.systemUTC());
        NodeAgent agent = new NodeAgent(s, runtime, sampler::sample, new ControllerLink(s.controllers()), Clock.systemUTC(), log);
        // Kills the secondaries if this agent dies and its lease runs out (see LeaseWatchdog): started at normal
        // priority, it and the runc it spawns act on time on a saturated node.
        Runnable watchdog = () -> LeaseWatchdog.ensureRunning(state, agent.leaseFile(), rs.runcPath(), rs.runcRoot(), WATCHDOG_SLACK);
        atNormalPriority(ownCpu, () -> {
            watchdog.run();
            return null;
        });
        LeaseEnforcer enforcer = atNormalPriority(ownCpu,
                new LeaseEnforcer(agent.lease(), ENFORCE_AFTER, cgroups, state, ENFORCE_TICK, log)::start);
        agent.start(); // makes the parent cgroup the guard caps
        GuardSampler readings = GuardSampler.forHost(cgroups, s.protect(),
                new RuntimeSecondaries(runtime, Clock.systemUTC(), Duration.ofSeconds(1)), Clock.systemUTC());
        GuardOutbox outbox = new GuardOutbox(GUARD_OUTBOX, GuardOutbox.SUMMARY_EVERY, Clock.systemUTC(), log);
        GuardMetrics guardMetrics = new GuardMetrics();
        agent.attachGuard(outbox);
        // The guard's evictions kill on its own thread (normal priority), not only through runc (see NodeAgent.evict).
        agent.killThroughCgroup(id -> new ContainerCgroup(cgroups, id).killAll());
        GuardSettings guardSettings = GuardSettings.forMode(s.guard(), reserve);
        NodeGuard guard = new NodeGuard(new GuardPolicy(guardSettings), guardMetrics.watching(readings::read),
                new CgroupControls(cgroups, guardSettings.cpu().cfsPeriod(), guardSettings.cpu().confine(),
                        JobDiskDevices.forHost(rs.stateDir())), agent::evict,
                NodeGuard.Listener.all(new GuardLog(log), outbox, guardMetrics), Clock.systemUTC());
        PrometheusText.Source metrics = out -> {
            agent.writeMetrics(out);
            guardMetrics.write(out);
        };
        MetricsServer listener = null;
        if (listen && s.metrics() != null) {
            try {
                listener = MetricsServer.start(s.metrics(), List.of(metrics));
            } catch (RuntimeException e) {
                agent.close();
                enforcer.close();
                readings.close();
                ownCpu.ifPresent(AgentCpu::undo);
                throw new CliException(1, e.getMessage() + " (agent.metrics in the config file; off for none)");
            }
        }
        return new RunningAgent(agent, atNormalPriority(ownCpu, guard::start), enforcer, readings, metrics, listener, ownCpu);
    }

    /**
     * Runs {@code work} (which starts a thread or a process that must act on time) at normal priority when the agent
     * put itself in the idle class: on v1 a new thread or process starts in its creator's CPU cgroup.
     */
    private static <T> T atNormalPriority(Optional<AgentCpu> ownCpu, java.util.function.Supplier<T> work) {
        return ownCpu.isPresent() ? ownCpu.get().atNormalPriority(work) : work.get();
    }

    /** Guard events kept while the controller does not acknowledge them (about 200 bytes each). */
    static final int GUARD_OUTBOX = 10_000;

    static void requireRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String uid = line.substring(4).trim().split("\\s+")[0];
                    if (!uid.equals("0")) {
                        throw new CliException(1, "the agent needs root (it drives runc and cgroups); run it as root, e.g. with sudo");
                    }
                }
            }
        } catch (IOException e) {
            throw new CliException(1, "cannot read /proc/self/status: " + e.getMessage());
        }
    }

    static void awaitShutdown(Runnable onStop) {
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            onStop.run();
            main.interrupt();
        }));
        try {
            Thread.sleep(Duration.ofDays(36500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
