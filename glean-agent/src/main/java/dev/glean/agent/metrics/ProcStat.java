package dev.glean.agent.metrics;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The aggregate "cpu" line of /proc/stat (jiffies of USER_HZ since boot, summed over all CPUs) and the
 * number of CPU lines ("cpu0", "cpu1", ...), which is the number of online CPUs.
 *
 * <p>Busy = user + nice + system + irq + softirq + steal; idle = idle + iowait. guest and guest_nice are
 * not added: the kernel already counts them in user and nice. steal is counted as busy: it is time this
 * machine's CPUs could not run anything, so it is not capacity glean can lend. Kernels older than 2.6.33
 * print fewer columns; missing ones read as 0.
 */
public record ProcStat(long user, long nice, long system, long idle, long iowait, long irq, long softirq,
        long steal, int cpus) {

    /**
     * Jiffies per second in /proc/stat. The kernel exports USER_HZ, which is 100 on every architecture Linux
     * supports today (sysconf(_SC_CLK_TCK) needs native code to ask).
     */
    public static final int USER_HZ = 100;

    private static final byte[] CPU = TextBuffer.ascii("cpu");

    public long busyJiffies() {
        return user + nice + system + irq + softirq + steal;
    }

    public long idleJiffies() {
        return idle + iowait;
    }

    public double busySeconds() {
        return busyJiffies() / (double) USER_HZ;
    }

    public double idleSeconds() {
        return idleJiffies() / (double) USER_HZ;
    }

    public static ProcStat parse(String text) {
        return parse(TextBuffer.of(text));
    }

    /** Reads a /proc/stat file (normally {@code Path.of("/proc/stat")}). */
    public static ProcStat read(Path file) throws IOException {
        TextBuffer t = new TextBuffer(8192);
        if (!t.read(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return parse(t);
    }

    static ProcStat parse(TextBuffer t) {
        int end = t.lineEnd(0);
        if (t.keyEnd(0, end) != CPU.length || !t.startsWith(0, CPU)) {
            throw new IllegalArgumentException("not /proc/stat: first line is not the aggregate cpu line: '"
                    + t.snippet() + "'");
        }
        long[] f = new long[8];
        t.position(CPU.length);
        for (int i = 0; i < f.length; i++) {
            long v = t.nextLong(end);
            if (v == TextBuffer.MISSING) {
                if (i < 4) {
                    throw new IllegalArgumentException("not /proc/stat: too few cpu columns: '" + t.snippet() + "'");
                }
                break;
            }
            f[i] = Math.max(0, v);
        }
        // The per-CPU lines follow the aggregate one directly; count them and stop at the first other line.
        int cpus = 0;
        int p = end + 1;
        while (p < t.length() && t.startsWith(p, CPU)) {
            byte d = t.at(p + CPU.length);
            if (d < '0' || d > '9') {
                break;
            }
            cpus++;
            p = t.lineEnd(p) + 1;
        }
        return new ProcStat(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], cpus);
    }
}
