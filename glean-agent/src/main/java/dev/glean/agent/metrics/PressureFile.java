package dev.glean.agent.metrics;

import dev.glean.core.node.Pressure;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A PSI file: /proc/pressure/{cpu,memory,io} for the host, {cpu,memory,io}.pressure of a cgroup2 cgroup.
 *
 * <pre>
 * some avg10=17.61 avg60=5.51 avg300=1.90 total=9011497
 * full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * </pre>
 *
 * avg10 is a percentage of wall time over the last 10 s; total is the cumulative stall in microseconds.
 * Kernels before 5.13 print no "full" line for cpu: it reads as 0. A missing file (no PSI: kernel before 4.20,
 * CONFIG_PSI off, booted with psi=0, or a v1-only host) and a file that cannot be read (psi disabled makes
 * reads fail with EOPNOTSUPP) both give {@link Pressure#NONE}: PSI is an optional signal.
 */
public final class PressureFile {
    private static final byte[] SOME = TextBuffer.ascii("some");
    private static final byte[] FULL = TextBuffer.ascii("full");
    private static final byte[] AVG10 = TextBuffer.ascii("avg10");
    private static final byte[] TOTAL = TextBuffer.ascii("total");

    private PressureFile() {}

    public static Pressure parse(String text) {
        return parse(TextBuffer.of(text));
    }

    /** The pressure in {@code file}, or {@link Pressure#NONE} if it does not exist or cannot be read. */
    public static Pressure read(Path file) {
        return read(file, new TextBuffer(256));
    }

    static Pressure read(Path file, TextBuffer t) {
        try {
            if (!t.read(file)) {
                return Pressure.NONE;
            }
        } catch (IOException e) {
            return Pressure.NONE;
        }
        return parse(t);
    }

    public static Pressure parse(TextBuffer t) {
        double someAvg10 = 0;
        double fullAvg10 = 0;
        long someTotal = 0;
        long fullTotal = 0;
        boolean any = false;
        int p = 0;
        while (p < t.length()) {
            int end = t.lineEnd(p);
            int k = t.keyEnd(p, end);
            boolean some = t.regionEquals(p, k, SOME);
            boolean full = !some && t.regionEquals(p, k, FULL);
            if (some || full) {
                double avg10 = 0;
                long total = 0;
                // tokens "name=value" separated by spaces
                int q = k;
                while (q < end) {
                    while (q < end && t.at(q) == ' ') {
                        q++;
                    }
                    int nameStart = q;
                    while (q < end && t.at(q) != '=' && t.at(q) != ' ') {
                        q++;
                    }
                    if (q >= end || t.at(q) != '=') {
                        continue;
                    }
                    int nameEnd = q;
                    t.position(q + 1);
                    if (t.regionEquals(nameStart, nameEnd, AVG10)) {
                        double v = t.nextDecimal(end);
                        avg10 = Double.isNaN(v) ? 0 : v;
                    } else if (t.regionEquals(nameStart, nameEnd, TOTAL)) {
                        long v = t.nextLong(end);
                        total = v == TextBuffer.MISSING ? 0 : Math.max(0, v);
                    }
                    q = t.position();
                    while (q < end && t.at(q) != ' ') {
                        q++;
                    }
                }
                if (some) {
                    someAvg10 = avg10;
                    someTotal = total;
                } else {
                    fullAvg10 = avg10;
                    fullTotal = total;
                }
                any = true;
            }
            p = end + 1;
        }
        return any ? new Pressure(someAvg10, fullAvg10, someTotal, fullTotal) : Pressure.NONE;
    }
}
