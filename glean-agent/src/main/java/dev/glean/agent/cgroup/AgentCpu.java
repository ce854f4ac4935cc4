package dev.glean.agent.cgroup;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The agent's own CPU: the agent runs in the kernel's idle class, so it does not delay the incumbents it protects,
 * except what must act on time. Measured here (docs/PERFORMANCE.md, Node guard): a `glean up` at normal priority used
 * 5-19 % of a CPU beside the incumbents (guard 1.35 %, container watch 0.9 %, JIT 0.9 %, reports, the controller's
 * loop), and the request/response incumbent's alone p99 was ~4 ms with the benchmark's glean JVMs running against
 * 1.3-1.6 ms without them.
 *
 * <p>v1 only: a v1 cgroup holds threads, so the whole process moves to {@code <parent>-agent} in the cpu hierarchy
 * (cpu.idle=1, else cpu.shares=2), directly under the root like the parent (a low weight counts only against
 * siblings). A thread or process started later begins in the cgroup of the thread that starts it, so JIT, GC, HTTP
 * and the runc of starts and stops stay in the idle class, and what must act on time (the guard's loop, the lease
 * enforcer, the lease watchdog process) is started from {@link #atNormalPriority}: born where the process was, never
 * moved there afterwards, which would first need CPU the idle class may not get. A sibling of the parent, not a child
 * of it: the secondaries' quota, cpuset and CPU accounting stay theirs alone. On v2 a cgroup holds processes, not
 * threads (short of threaded cgroups), so nothing moves.
 */
public final class AgentCpu {
    private final Path cpuRoot;
    private final Path own;
    private final Path home;

    private AgentCpu(Path cpuRoot, Path own, Path home) {
        this.cpuRoot = cpuRoot;
        this.own = own;
        this.home = home;
    }

    /** The cgroup's name: next to the parent, so one agent's is told from another's and cleanup finds it. */
    public static String name(CgroupHost host) {
        return host.parent() + "-agent";
    }

    /**
     * Moves this process into the agent's idle-class cgroup; empty (nothing moved) on v2 or without a v1 cpu
     * hierarchy. Call it first, then start what must act on time through {@link #atNormalPriority}.
     */
    public static Optional<AgentCpu> apply(CgroupHost host) {
        if (host.mode() != CgroupHost.Mode.V1) {
            return Optional.empty();
        }
        Path cpuRoot = host.v1Root("cpu");
        if (!Files.exists(cpuRoot.resolve("cgroup.procs"))) {
            return Optional.empty();
        }
        Path home = cpuRoot.resolve(relative(cpuCgroup(host, Path.of("/proc/self/cgroup"))));
        Path own = cpuRoot.resolve(name(host));
        try {
            Files.createDirectories(own);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot create cgroup " + own + ": " + CgroupFile.reason(e), e);
        }
        CgroupFile idle = CgroupFile.of(own, "cpu.idle");
        if (idle.exists()) {
            idle.write("1");
        } else {
            CgroupFile.of(own, "cpu.shares").write("2");
        }
        // The process's pid moves every thread it has now.
        CgroupFile.of(own, "cgroup.procs").write(Long.toString(ProcessHandle.current().pid()));
        return Optional.of(new AgentCpu(cpuRoot, own, home));
    }

    /** The cgroup the process was moved to. */
    public Path cgroup() {
        return own;
    }

    /** Where the process was before: where what must act on time runs. */
    public Path home() {
        return home;
    }

    /** Moves the calling thread back to where the process was (normal weight). */
    public void keepThreadHere() {
        CgroupFile.of(home, "tasks").write(threadId());
    }

    /**
     * Runs {@code work} with the calling thread back at normal priority, then returns the thread to the idle class:
     * on v1 a process forked meanwhile starts in the forking thread's cgroup, so this is how a process that must act
     * on time (the lease watchdog) is started outside the idle class without a window in which it is not.
     */
    public <T> T atNormalPriority(java.util.function.Supplier<T> work) {
        keepThreadHere();
        try {
            return work.get();
        } finally {
            CgroupFile.of(own, "tasks").write(threadId());
        }
    }

    private static String threadId() {
        try {
            // "PID/task/TID" for the calling thread
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot tell this thread's id: " + e.getMessage(), e);
        }
    }

    /** The path of the cgroup that schedules CPU in a /proc/PID/cgroup file, "/" when it names none. */
    static String cpuCgroup(CgroupHost host, Path cgroupFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(cgroupFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot read " + cgroupFile + ": " + e.getMessage(), e);
        }
        String path = host.cpuCgroup(lines);
        return path == null ? "/" : path;
    }

    private static String relative(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }

    /** Puts every thread back where the process was and removes the cgroup (tests; an agent that exits leaves it empty). */
    public void undo() {
        try {
            for (String tid : Files.readAllLines(own.resolve("tasks"))) {
                try {
                    CgroupFile.of(home, "tasks").write(tid.trim());
                } catch (GleanException e) {
                    // the thread ended meanwhile
                }
            }
            Files.deleteIfExists(own);
        } catch (IOException e) {
            // a thread started meanwhile keeps it busy: an empty leftover is harmless
        }
    }

    @Override
    public String toString() {
        return "AgentCpu[" + cpuRoot.relativize(own) + ", guard in /" + cpuRoot.relativize(home) + "]";
    }
}
