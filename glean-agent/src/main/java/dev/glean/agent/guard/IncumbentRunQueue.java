package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.metrics.SchedStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The incumbents' run-queue wait: time their threads spent runnable but not running, summed over threads (the
 * second field of /proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat). Incumbents are the processes outside glean's
 * parent cgroup, except this process (the agent's own work is not the incumbents').
 *
 * <p>Cheap enough for every 100 ms: every {@code rescanEvery} one pass over /proc reads each process's CPU time
 * (/proc/&lt;pid&gt;/stat, one read per process; its cgroup only when the process is new) and picks the busiest
 * incumbents, up to {@code maxProcesses} and {@code maxThreads} threads in all. Between passes only their
 * threads' schedstat are read. A thread that does not run does not wait either, so the busy processes hold nearly
 * all the wait; a process that starts between two passes is missed until the next one.
 *
 * <p>{@link #read} returns the wait since the previous call, summed per process: a process seen for the first
 * time adds nothing (its history is not this interval's), a process that ended adds nothing, and a process whose
 * sum went down (a thread exited) adds zero rather than a negative.
 */
public final class IncumbentRunQueue {
    private final Path procRoot;
    private final CgroupHost host;
    private final long self;
    private final Duration rescanEvery;
    private final int maxProcesses;
    private final int maxThreads;
    private final ProtectedIncumbents protect;

    /** Processes seen at the last pass: start time, whether an incumbent, CPU ticks then. */
    private Map<Long, Seen> seen = new HashMap<>();
    private List<Long> tracked = List.of();
    private final Map<Long, Long> lastWait = new HashMap<>();
    private Instant lastScan;
    private int trackedThreads;

    private record Seen(long startTicks, boolean incumbent, boolean protect, long cpuTicks) {}

    public IncumbentRunQueue(Path procRoot, CgroupHost host, long selfPid, Duration rescanEvery, int maxProcesses,
            int maxThreads) {
        this(procRoot, host, selfPid, rescanEvery, maxProcesses, maxThreads, ProtectedIncumbents.NONE);
    }

    /** {@code protect}: processes tracked at every pass, busy or not, ahead of the busiest (within the same limits). */
    public IncumbentRunQueue(Path procRoot, CgroupHost host, long selfPid, Duration rescanEvery, int maxProcesses,
            int maxThreads, ProtectedIncumbents protect) {
        this.protect = protect;
        this.procRoot = procRoot;
        this.host = host;
        this.self = selfPid;
        this.rescanEvery = rescanEvery;
        this.maxProcesses = maxProcesses;
        this.maxThreads = maxThreads;
    }

    /**
     * The 16 busiest incumbent processes (protected ones first), at most 256 threads: on a host busy with many JVMs
     * (40-60 threads each) 64 processes and 1024 threads allowed up to 10,000 schedstat reads a second at 10 steps a
     * second, a cost that lands on the incumbents (the agent runs beside them); the busiest few hold nearly all the wait.
     */
    public static IncumbentRunQueue forHost(CgroupHost host, ProtectedIncumbents protect) {
        return new IncumbentRunQueue(Path.of("/proc"), host, ProcessHandle.current().pid(), Duration.ofSeconds(2), 16, 256,
                protect);
    }

    /** The incumbents' run-queue wait since the previous call (zero on the first). */
    public synchronized Duration read(Instant now) {
        if (lastScan == null || !now.isBefore(lastScan.plus(rescanEvery))) {
            scan();
            lastScan = now;
        }
        long total = 0;
        for (long pid : tracked) {
            Optional<SchedStat> s = SchedStat.readProcess(procRoot, pid);
            if (s.isEmpty()) {
                lastWait.remove(pid);
                continue;
            }
            long wait = s.get().runQueueWaitNanos();
            Long before = lastWait.put(pid, wait);
            if (before != null && wait > before) {
                total += wait - before;
            }
        }
        return Duration.ofNanos(total);
    }

    /** Forgets the baselines: the next read starts afresh and answers zero (used while nothing is guarded). */
    public synchronized void reset() {
        lastWait.clear();
        lastScan = null;
    }

    /** Processes whose threads are read between passes. */
    public synchronized List<Long> tracked() {
        return tracked;
    }

    public synchronized int trackedThreads() {
        return trackedThreads;
    }

    private void scan() {
        Map<Long, Seen> now = new HashMap<>();
        List<long[]> busy = new ArrayList<>(); // pid, cpu ticks since the last pass, threads, protected (1) or not
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot)) {
            for (Path dir : dirs) {
                long pid = pidOf(dir.getFileName().toString());
                if (pid <= 0 || pid == self) {
                    continue;
                }
                Optional<Stat> stat = stat(dir);
                if (stat.isEmpty()) {
                    continue;
                }
                long cpu = stat.get().cpuTicks();
                long threads = stat.get().threads();
                long start = stat.get().startTicks();
                Seen before = seen.get(pid);
                boolean known = before != null && before.startTicks() == start;
                boolean incumbent;
                boolean guarded;
                if (known) {
                    incumbent = before.incumbent();
                    guarded = before.protect();
                } else {
                    List<String> lines = cgroupLines(dir);
                    incumbent = lines == null || !inParent(lines, host);
                    guarded = incumbent && (protect.matchesName(stat.get().comm()) || (lines != null && protect.matchesCgroups(lines)));
                }
                now.put(pid, new Seen(start, incumbent, guarded, cpu));
                // A process new since the last pass brings all its CPU time: it is recent, or (on the first pass)
                // the best guess there is.
                long delta = known ? cpu - before.cpuTicks() : cpu;
                if (incumbent && (delta > 0 || guarded)) {
                    busy.add(new long[] {pid, delta, threads, guarded ? 1 : 0});
                }
            }
        } catch (IOException e) {
            return; // keep the processes of the last pass
        }
        // Protected processes first, then the busiest.
        busy.sort(Comparator.comparingLong((long[] b) -> b[3]).thenComparingLong(b -> b[1]).reversed());
        List<Long> pick = new ArrayList<>();
        int threads = 0;
        // Protected processes take at most half of the places: many idle ones of one name (a database's backends)
        // must not push the busy incumbents out.
        int protectedLeft = (maxProcesses + 1) / 2;
        for (long[] b : busy) {
            if (pick.size() >= maxProcesses || (threads + b[2] > maxThreads && !pick.isEmpty())) {
                break;
            }
            if (b[3] == 1) {
                if (protectedLeft == 0) {
                    if (b[1] <= 0) {
                        continue; // an idle protected process beyond the share: like any idle process, not followed
                    }
                } else {
                    protectedLeft--;
                }
            }
            pick.add(b[0]);
            threads += (int) b[2];
        }
        lastWait.keySet().retainAll(pick);
        seen = now;
        tracked = List.copyOf(pick);
        trackedThreads = threads;
    }

    private record Stat(String comm, long cpuTicks, long threads, long startTicks) {}

    /** Name, CPU ticks (utime + stime), threads and start time from /proc/&lt;pid&gt;/stat; empty if it is gone. */
    private static Optional<Stat> stat(Path dir) {
        try {
            String s = new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.US_ASCII);
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
            int close = s.lastIndexOf(')');
            String comm = s.substring(s.indexOf('(') + 1, close);
            String[] f = s.substring(close + 2).trim().split(" ");
            return Optional.of(new Stat(comm, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[17]),
                    Long.parseLong(f[19])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The lines of /proc/&lt;pid&gt;/cgroup, or null if they cannot be read: such a process counts as an incumbent
     * (protect rather than ignore). Whether a process sits outside glean's parent is read in the hierarchy that
     * schedules its CPU: v1 the "cpu" controller's line ("4:cpu,cpuacct:/glean/x"), v2 the unified line ("0::/glean/x").
     */
    private static List<String> cgroupLines(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("cgroup"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
    }

    static boolean inParent(List<String> cgroupLines, CgroupHost host) {
        String prefix = "/" + host.parent();
        for (String line : cgroupLines) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = line.substring(a + 1, b);
            boolean schedules = host.mode() == CgroupHost.Mode.V2 ? controllers.isEmpty()
                    : List.of(controllers.split(",")).contains("cpu");
            if (schedules) {
                String path = line.substring(b + 1);
                return path.equals(prefix) || path.startsWith(prefix + "/");
            }
        }
        return false;
    }

    private static long pidOf(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
