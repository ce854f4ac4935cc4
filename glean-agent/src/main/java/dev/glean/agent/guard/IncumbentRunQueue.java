package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.metrics.OpenFiles;
import dev.glean.agent.metrics.TextBuffer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
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
 * incumbents, up to {@code maxProcesses} and {@code maxThreads} threads in all, and lists their threads. Between
 * passes only those threads' schedstat files are read, each kept open and read again with one positional read (on
 * the kernel's /proc; elsewhere, as in tests, opened per read). A thread that does not run does not wait either,
 * so the busy processes hold nearly all the wait; a process or thread that starts between two passes is missed
 * until the next one.
 *
 * <p>{@link #read} returns the wait since the previous call, summed per thread: a thread seen for the first time
 * adds nothing (its history is not this interval's), and a thread that ended adds nothing.
 */
public final class IncumbentRunQueue {
    private final Path procRoot;
    private final CgroupHost host;
    private final long self;
    private final Duration rescanEvery;
    private final int maxProcesses;
    private final int maxThreads;
    private final ProtectedIncumbents protect;
    private final boolean keepOpen;
    private final TextBuffer text = new TextBuffer(1024);

    /** Processes seen at the last pass: start time, whether an incumbent, CPU ticks then. */
    private Map<Long, Seen> seen = new HashMap<>();
    private List<Long> tracked = List.of();
    /** The threads of the tracked processes, by process. */
    private final Map<Long, List<Task>> tasks = new HashMap<>();
    private Instant lastScan;
    private int trackedThreads;

    private record Seen(long startTicks, boolean incumbent, boolean protect, long cpuTicks) {}

    /** One thread's schedstat file, kept open where that is safe, and its wait at the last read (-1: none yet). */
    private static final class Task {
        final Path file;
        FileChannel channel;
        long wait = -1;

        Task(Path file) {
            this.file = file;
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // read-only
                }
                channel = null;
            }
        }
    }

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
        this.keepOpen = OpenFiles.isKernelFileSystem(procRoot);
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
        for (Iterator<Map.Entry<Long, List<Task>>> pit = tasks.entrySet().iterator(); pit.hasNext();) {
            List<Task> list = pit.next().getValue();
            for (Iterator<Task> it = list.iterator(); it.hasNext();) {
                Task t = it.next();
                long wait = readWait(t);
                if (wait < 0) {
                    t.close(); // the thread ended
                    it.remove();
                    continue;
                }
                if (t.wait >= 0 && wait > t.wait) {
                    total += wait - t.wait;
                }
                t.wait = wait;
            }
        }
        return Duration.ofNanos(total);
    }

    /** Forgets the baselines and closes the files: the next read starts afresh and answers zero (nothing guarded). */
    public synchronized void reset() {
        tasks.values().forEach(l -> l.forEach(Task::close));
        tasks.clear();
        tracked = List.of();
        trackedThreads = 0;
        lastScan = null;
    }

    /** The second field of a thread's schedstat (ns waited on a run queue), or -1 if the thread is gone. */
    private long readWait(Task t) {
        try {
            if (keepOpen) {
                if (t.channel == null) {
                    t.channel = FileChannel.open(t.file);
                }
                text.read(t.channel);
            } else if (!text.read(t.file)) {
                return -1;
            }
        } catch (IOException e) {
            return -1; // ESRCH once the thread exited, NoSuchFile if it is gone
        }
        int end = text.lineEnd(0);
        text.position(0);
        long cpu = text.nextLong(end);
        long wait = text.nextLong(end);
        return cpu == TextBuffer.MISSING || wait == TextBuffer.MISSING ? -1 : Math.max(0, wait);
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
        Map<String, Boolean> lastCgroups = new HashMap<>(); // per pass: a cgroup's cpu.idle or weight may change
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
                    String comm = comm(); // the stat just read is still in the buffer
                    List<String> lines = cgroupLines(dir);
                    incumbent = lines == null || !inParent(lines, host);
                    guarded = incumbent && (protect.matchesName(comm) || (lines != null && protect.matchesCgroups(lines)));
                    // A process that asked to run last (nice 19, SCHED_IDLE, or a cgroup in the idle class or at the
                    // minimum weight: another agent's own threads, a BestEffort pod, anyone's batch work) waits by
                    // its own choice, and counting its wait would cut the secondaries for it. Read once per process:
                    // one reniced later keeps what it was first seen as.
                    if (incumbent && !guarded && (stat.get().runsLast()
                            || (lines != null && cgroupRunsLast(lines, lastCgroups)))) {
                        incumbent = false;
                    }
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
        seen = now;
        tracked = List.copyOf(pick);
        // Threads of processes no longer followed: closed. Threads of the followed ones: listed again, the known
        // ones kept with their baselines, new ones start from their first read.
        for (Iterator<Map.Entry<Long, List<Task>>> it = tasks.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, List<Task>> e = it.next();
            if (!pick.contains(e.getKey())) {
                e.getValue().forEach(Task::close);
                it.remove();
            }
        }
        int count = 0;
        for (long pid : pick) {
            List<Task> before = tasks.getOrDefault(pid, List.of());
            Map<Path, Task> known = new HashMap<>();
            before.forEach(t -> known.put(t.file, t));
            List<Task> list = new ArrayList<>();
            Path dir = procRoot.resolve(Long.toString(pid)).resolve("task");
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path task : ds) {
                    Path file = task.resolve("schedstat");
                    Task t = known.remove(file);
                    list.add(t != null ? t : new Task(file));
                }
            } catch (IOException | RuntimeException e) {
                // the process ended since the pass: nothing to follow
            }
            known.values().forEach(Task::close);
            if (list.isEmpty()) {
                tasks.remove(pid);
            } else {
                tasks.put(pid, list);
                count += list.size();
            }
        }
        trackedThreads = count;
    }

    /**
     * {@code runsLast}: the process asked the kernel to run it after everything else, by nice 19 or the SCHED_IDLE
     * policy (5) of its main thread.
     */
    private record Stat(long cpuTicks, long threads, long startTicks, boolean runsLast) {}

    private static final int SCHED_IDLE = 5;

    /**
     * CPU ticks (utime + stime), threads, start time, nice and policy from /proc/&lt;pid&gt;/stat; empty if it is
     * gone. Parsed in place: this runs for every process on the host at every pass.
     */
    private Optional<Stat> stat(Path dir) {
        try {
            if (!text.read(dir.resolve("stat"))) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'.
        int close = text.lastIndexOf((byte) ')');
        if (close < 0) {
            return Optional.empty();
        }
        int end = text.length();
        long utime = -1;
        long stime = -1;
        long threads = -1;
        long start = -1;
        long nice = 0;
        long policy = 0;
        int field = 0; // 0 = the state, right after ") " (proc(5)'s field 3)
        int i = close + 2;
        while (i < end && field <= 38) {
            if (field == 11 || field == 12 || field == 16 || field == 17 || field == 19 || field == 38) {
                text.position(i);
                long v = text.nextLong(end);
                switch (field) {
                    case 11 -> utime = v;
                    case 12 -> stime = v;
                    case 16 -> nice = v;
                    case 17 -> threads = v;
                    case 19 -> start = v;
                    default -> policy = v;
                }
            }
            while (i < end && text.at(i) != ' ') {
                i++;
            }
            i++;
            field++;
        }
        if (utime < 0 || stime < 0 || threads < 0 || start < 0) {
            return Optional.empty();
        }
        return Optional.of(new Stat(utime + stime, threads, start, nice >= 19 || policy == SCHED_IDLE));
    }

    /** The name in the stat last read by {@link #stat}: between the first '(' and the last ')'. */
    private String comm() {
        int close = text.lastIndexOf((byte) ')');
        for (int i = 0; i < close; i++) {
            if (text.at(i) == '(') {
                return text.string(i + 1, close);
            }
        }
        return "";
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
        String path = host.cpuCgroup(cgroupLines);
        return path != null && (path.equals(prefix) || path.startsWith(prefix + "/"));
    }


    /**
     * Whether the cgroup that schedules the process's CPU (see {@link #inParent}) asked to run last: cpu.idle=1, or
     * the minimum weight (v1 cpu.shares 2, v2 cpu.weight 1: what Kubernetes gives BestEffort pods).
     */
    boolean cgroupRunsLast(List<String> cgroupLines, Map<String, Boolean> cache) {
        String path = host.cpuCgroup(cgroupLines);
        if (path == null || path.equals("/")) {
            return false;
        }
        return cache.computeIfAbsent(path, p -> {
            boolean v2 = host.mode() == CgroupHost.Mode.V2;
            Path dir = (v2 ? host.root() : host.v1Root("cpu")).resolve(p.substring(1));
            return number(dir.resolve("cpu.idle")) == 1 || number(dir.resolve(v2 ? "cpu.weight" : "cpu.shares")) == (v2 ? 1 : 2);
        });
    }

    /** The number a one-line cgroup file starts with; -1 if it cannot be read (older kernels have no cpu.idle). */
    private long number(Path file) {
        try {
            if (!text.read(file) || text.length() == 0) {
                return -1;
            }
            text.position(0);
            long v = text.nextLong(text.lineEnd(0));
            return v == TextBuffer.MISSING ? -1 : v;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
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
