package dev.glean.agent.metrics;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * /proc/loadavg: "0.62 0.20 0.07 1/85 3524" = load over 1, 5 and 15 minutes, runnable and total threads
 * (the kernel's scheduling entities), last pid.
 */
public record LoadAvg(double load1, double load5, double load15, int runnable, int threads) {

    public static LoadAvg parse(String text) {
        return parse(TextBuffer.of(text));
    }

    public static LoadAvg read(Path file) throws IOException {
        TextBuffer t = new TextBuffer(128);
        if (!t.read(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return parse(t);
    }

    static LoadAvg parse(TextBuffer t) {
        int end = t.lineEnd(0);
        t.position(0);
        double l1 = t.nextDecimal(end);
        double l5 = t.nextDecimal(end);
        double l15 = t.nextDecimal(end);
        long running = t.nextLong(end);
        if (t.at(t.position()) == '/') {
            t.position(t.position() + 1);
        }
        long total = t.nextLong(end);
        if (Double.isNaN(l1) || Double.isNaN(l5) || Double.isNaN(l15) || running == TextBuffer.MISSING
                || total == TextBuffer.MISSING) {
            throw new IllegalArgumentException("not /proc/loadavg: '" + t.snippet() + "'");
        }
        return new LoadAvg(l1, l5, l15, (int) Math.min(Integer.MAX_VALUE, running), (int) Math.min(Integer.MAX_VALUE, total));
    }
}
