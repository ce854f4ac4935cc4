package dev.glean.agent;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ContainerCgroup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The lease's hard deadline inside the agent: once the lease has been over for {@code after}, every process in a
 * container cgroup under glean's parent gets SIGKILL through the cgroup ({@link ContainerCgroup#killAll}), each
 * container marked as stopped for the lease. The agent's own stop (TERM, a grace, runc's KILL) comes first; this is
 * for when that is late: with agent.ownCpu idle, the agent's threads and the runc they spawn wait for CPU behind the
 * incumbents on a saturated node, while this one thread runs at normal priority and spawns nothing (on v1 a thread
 * starts in its creator's CPU cgroup: the agent calls {@link #start} from AgentCpu.atNormalPriority; a thread that
 * moved itself would first need the very CPU the idle class does not get). The containers are found by their cgroup
 * directories, not the runtime's files, so a container still starting is not missed. The watchdog process
 * ({@link LeaseWatchdog}) remains for an agent that is dead.
 */
public final class LeaseEnforcer implements AutoCloseable {
    private final AgentLease lease;
    private final Duration after;
    private final CgroupHost cgroups;
    private final Path stateDir;
    private final Duration tick;
    private final PrintStream log;
    private volatile long enforcements;
    private final LoopThread thread = new LoopThread("glean-lease-enforcer", this::loop);

    public LeaseEnforcer(AgentLease lease, Duration after, CgroupHost cgroups, Path stateDir, Duration tick, PrintStream log) {
        this.lease = lease;
        this.after = after;
        this.cgroups = cgroups;
        this.stateDir = stateDir;
        this.tick = tick;
        this.log = log;
    }

    public LeaseEnforcer start() {
        thread.start();
        return this;
    }

    /** How many times it found live secondaries past the deadline and killed them (tests, logs). */
    public long enforcements() {
        return enforcements;
    }

    private void loop() {
        while (thread.running()) {
            try {
                if (lease.millisPastEnd() >= after.toMillis()) {
                    enforce();
                }
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.println("glean agent: lease enforcer: " + e.getMessage());
            }
        }
    }

    /** Kills what still runs in glean's parent; public so tests can drive it without the thread. */
    public List<String> enforce() {
        long past = lease.millisPastEnd();
        List<String> killed = new ArrayList<>();
        for (String id : containerCgroups()) {
            ContainerCgroup cg = new ContainerCgroup(cgroups, id);
            if (cg.pids().isEmpty()) {
                continue;
            }
            // Marked first: the agent then reports the exit as "lease expired", not as the job's failure.
            LeaseWatchdog.mark(stateDir, id);
            cg.killAll();
            killed.add(id);
        }
        if (!killed.isEmpty()) {
            enforcements++;
            log.println("glean agent: lease over for " + past + " ms; killed " + String.join(", ", killed));
        }
        return killed;
    }

    /** The containers' cgroups: the directories under the parent in the cpu hierarchy (v1) or the cgroup2 root. */
    private List<String> containerCgroups() {
        Path parent = cgroups.mode() == CgroupHost.Mode.V1 ? cgroups.v1Parent("cpu") : cgroups.root().resolve(cgroups.parent());
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, Files::isDirectory)) {
            for (Path d : dirs) {
                ids.add(d.getFileName().toString());
            }
        } catch (IOException e) {
            // no parent yet: nothing runs
        }
        return ids;
    }

    @Override
    public void close() {
        thread.close();
    }
}
