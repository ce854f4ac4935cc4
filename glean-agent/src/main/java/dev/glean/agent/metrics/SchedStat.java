package dev.glean.agent.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * /proc/&lt;pid&gt;/schedstat and /proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat: "707716 484800 2" = time on
 * the CPU (ns), time waiting on a run queue while runnable (ns), number of timeslices run.
 *
 * <p>Careful: /proc/&lt;pid&gt;/schedstat describes only the process's <em>main thread</em> (measured here: a
 * Python process with three busy threads showed 78 ms in /proc/pid/schedstat and 605 ms summed over its
 * tasks). For a multi-threaded incumbent use {@link #readProcess}, which sums every thread. Threads that have
 * exited drop out of that sum, so a difference of two sums can go down: clamp deltas at zero.
 */
public record SchedStat(long cpuNanos, long runQueueWaitNanos, long timeslices) {
    public static final SchedStat ZERO = new SchedStat(0, 0, 0);

    public SchedStat plus(SchedStat o) {
        return new SchedStat(cpuNanos + o.cpuNanos, runQueueWaitNanos + o.runQueueWaitNanos, timeslices + o.timeslices);
    }

    public static SchedStat parse(String text) {
        return parse(TextBuffer.of(text));
    }

    static SchedStat parse(TextBuffer t) {
        int end = t.lineEnd(0);
        t.position(0);
        long cpu = t.nextLong(end);
        long wait = t.nextLong(end);
        long slices = t.nextLong(end);
        if (cpu == TextBuffer.MISSING || wait == TextBuffer.MISSING || slices == TextBuffer.MISSING) {
            throw new IllegalArgumentException("not a schedstat file: '" + t.snippet() + "'");
        }
        return new SchedStat(Math.max(0, cpu), Math.max(0, wait), Math.max(0, slices));
    }

    /** The main thread's (= the thread with id {@code pid}) stats; empty if it is gone. */
    public static Optional<SchedStat> readThread(Path procRoot, long pid) {
        return readFile(procRoot.resolve(Long.toString(pid)).resolve("schedstat"), new TextBuffer(128));
    }

    /** The sum over all live threads of process {@code pid}; empty if the process is gone. */
    public static Optional<SchedStat> readProcess(Path procRoot, long pid) {
        Path tasks = procRoot.resolve(Long.toString(pid)).resolve("task");
        TextBuffer t = new TextBuffer(128);
        long cpu = 0;
        long wait = 0;
        long slices = 0;
        boolean any = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
            for (Path task : ds) {
                Optional<SchedStat> s = readFile(task.resolve("schedstat"), t);
                if (s.isPresent()) {
                    cpu += s.get().cpuNanos;
                    wait += s.get().runQueueWaitNanos;
                    slices += s.get().timeslices;
                    any = true;
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!Files.isDirectory(tasks)) {
                return Optional.empty();
            }
            throw new UncheckedIOException(e);
        }
        return any ? Optional.of(new SchedStat(cpu, wait, slices)) : Optional.empty();
    }

    private static Optional<SchedStat> readFile(Path file, TextBuffer t) {
        try {
            return t.read(file) ? Optional.of(parse(t)) : Optional.empty();
        } catch (IOException e) {
            // A thread or process that exits between open and read gives ESRCH: it is gone.
            return Optional.empty();
        }
    }
}
