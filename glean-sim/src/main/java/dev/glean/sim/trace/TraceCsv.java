package dev.glean.sim.trace;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Reads incumbents' use from CSV, in one of two layouts (told apart by the first line):
 *
 * <p><b>glean</b>: a header {@value #HEADER}, then one row per reading: node name, seconds since the trace began,
 * the node's CPUs and memory in GiB (the same on every row of a node), and the incumbents' CPU and memory use in
 * percent of the node.
 *
 * <p><b>Alibaba 2018 machine_usage</b>: no header, nine fields: machine_id, time_stamp (seconds), cpu_util_percent,
 * mem_util_percent, mem_gps, mkpi, net_in, net_out, disk_io_percent. Only the first four are read; any field may be
 * empty (a reading without CPU or memory keeps that resource's previous value). The file has no capacities: every
 * machine counts as {@value #ALIBABA_CPUS} CPUs and {@value #ALIBABA_MEMORY_GIB} GiB.
 *
 * <p>Readings are put into simulation steps from the earliest time in the file: CPU is the mean of a step's
 * readings (core-hours add up), memory the largest (the incumbents needed that much at some point), and a step
 * without readings keeps the previous one's values. Rows need not be sorted. Nodes come out sorted by name.
 */
public final class TraceCsv {
    public static final String HEADER = "node,time,cpus,memory_gib,cpu_percent,memory_percent";
    public static final int ALIBABA_CPUS = 96;
    public static final int ALIBABA_MEMORY_GIB = 512;
    private static final int ALIBABA_FIELDS = 9;

    private final String source;
    private final int stepSeconds;
    private final TreeMap<String, Series> series = new TreeMap<>();
    private long minTime = Long.MAX_VALUE;
    private long maxTime = Long.MIN_VALUE;

    private TraceCsv(String source, int stepSeconds) {
        this.source = source;
        this.stepSeconds = stepSeconds;
    }

    public static List<NodeTrace> read(Path file, int stepSeconds) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r, file.toString(), stepSeconds);
        } catch (java.nio.file.NoSuchFileException e) {
            throw GleanException.invalid("trace " + file + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw GleanException.invalid("trace " + file + ": cannot read: " + e.getMessage());
        }
    }

    public static List<NodeTrace> read(Reader in, String source, int stepSeconds) throws IOException {
        return new TraceCsv(source, stepSeconds).parse(in instanceof BufferedReader b ? b : new BufferedReader(in));
    }

    /** One node's readings, in arrival order, until they are put into steps. */
    private static final class Series {
        final int cpus;
        final double memoryGib;
        long[] times = new long[64];
        float[] cpu = new float[64];
        float[] mem = new float[64];
        int size;

        Series(int cpus, double memoryGib) {
            this.cpus = cpus;
            this.memoryGib = memoryGib;
        }

        void add(long t, float c, float m) {
            if (size == times.length) {
                times = Arrays.copyOf(times, size * 2);
                cpu = Arrays.copyOf(cpu, size * 2);
                mem = Arrays.copyOf(mem, size * 2);
            }
            times[size] = t;
            cpu[size] = c;
            mem[size] = m;
            size++;
        }
    }

    private List<NodeTrace> parse(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw bad(1, "the file is empty");
        }
        boolean glean = line.strip().equalsIgnoreCase(HEADER);
        boolean alibaba = !glean && line.split(",", -1).length == ALIBABA_FIELDS;
        if (!glean && !alibaba) {
            throw bad(1, "neither the header '" + HEADER + "' nor a row of the Alibaba 2018 machine_usage layout (9 fields)");
        }
        int number = 1;
        if (alibaba) {
            alibaba(line, number);
        }
        while ((line = in.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            if (glean) {
                glean(line, number);
            } else {
                alibaba(line, number);
            }
        }
        if (series.isEmpty()) {
            throw bad(number, "no readings");
        }
        return steps();
    }

    private void glean(String line, int n) {
        String[] f = line.split(",", -1);
        if (f.length != 6) {
            throw bad(n, "expected 6 fields (" + HEADER + "), found " + f.length);
        }
        String node = f[0].strip();
        if (node.isEmpty()) {
            throw bad(n, "node name is empty");
        }
        long time = integer(f[1], "time", n);
        long cpus = integer(f[2], "cpus", n);
        double gib = number(f[3], "memory_gib", n);
        if (cpus < 1 || cpus > 100_000 || !(gib > 0)) {
            throw bad(n, "cpus must be 1-100000 and memory_gib more than 0: " + cpus + ", " + f[3].strip());
        }
        double cpu = percent(f[4], "cpu_percent", n);
        double mem = percent(f[5], "memory_percent", n);
        Series s = series.computeIfAbsent(node, k -> new Series((int) cpus, gib));
        if (s.cpus != cpus || s.memoryGib != gib) {
            throw bad(n, "node " + node + " changed its capacity from " + s.cpus + " CPUs, " + s.memoryGib + " GiB");
        }
        add(s, time, (float) cpu, (float) mem);
    }

    private void alibaba(String line, int n) {
        String[] f = line.split(",", -1);
        if (f.length != ALIBABA_FIELDS) {
            throw bad(n, "expected 9 fields (Alibaba machine_usage: machine_id, time_stamp, cpu_util_percent, mem_util_percent, ...),"
                    + " found " + f.length);
        }
        String node = f[0].strip();
        if (node.isEmpty()) {
            throw bad(n, "machine_id is empty");
        }
        long time = integer(f[1], "time_stamp", n);
        float cpu = f[2].isBlank() ? Float.NaN : (float) percent(f[2], "cpu_util_percent", n);
        float mem = f[3].isBlank() ? Float.NaN : (float) percent(f[3], "mem_util_percent", n);
        add(series.computeIfAbsent(node, k -> new Series(ALIBABA_CPUS, ALIBABA_MEMORY_GIB)), time, cpu, mem);
    }

    private void add(Series s, long time, float cpu, float mem) {
        s.add(time, cpu, mem);
        minTime = Math.min(minTime, time);
        maxTime = Math.max(maxTime, time);
    }

    private List<NodeTrace> steps() {
        int steps = (int) Math.min(Integer.MAX_VALUE, (maxTime - minTime) / stepSeconds + 1);
        List<NodeTrace> out = new ArrayList<>(series.size());
        for (var e : series.entrySet()) {
            Series s = e.getValue();
            double[] cpuSum = new double[steps];
            int[] cpuCount = new int[steps];
            float[] memMax = new float[steps];
            Arrays.fill(memMax, Float.NaN);
            for (int i = 0; i < s.size; i++) {
                int k = (int) ((s.times[i] - minTime) / stepSeconds);
                if (!Float.isNaN(s.cpu[i])) {
                    cpuSum[k] += s.cpu[i];
                    cpuCount[k]++;
                }
                if (!Float.isNaN(s.mem[i]) && !(memMax[k] >= s.mem[i])) {
                    memMax[k] = s.mem[i];
                }
            }
            float[] cpu = new float[steps];
            float[] mem = new float[steps];
            fill(cpu, k -> cpuCount[k] > 0 ? (float) (cpuSum[k] / cpuCount[k]) : Float.NaN);
            fill(mem, k -> memMax[k]);
            long memoryBytes = (long) (s.memoryGib * (1L << 30));
            out.add(new NodeTrace(e.getKey(), "trace", s.cpus, memoryBytes, cpu, mem));
        }
        return out;
    }

    /** Each step's value, or the previous step's where it has none; steps before the first value take the first. */
    private static void fill(float[] out, java.util.function.IntFunction<Float> value) {
        float first = Float.NaN;
        for (int k = 0; k < out.length; k++) {
            out[k] = value.apply(k);
            if (Float.isNaN(first) && !Float.isNaN(out[k])) {
                first = out[k];
            }
        }
        float last = Float.isNaN(first) ? 0 : first;
        for (int k = 0; k < out.length; k++) {
            if (Float.isNaN(out[k])) {
                out[k] = last;
            }
            last = out[k];
        }
    }

    private long integer(String text, String field, int n) {
        try {
            long v = Long.parseLong(text.strip());
            if (v < 0) {
                throw bad(n, field + " must not be negative: " + text.strip());
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(n, field + " is not a whole number: '" + text.strip() + "'");
        }
    }

    private double number(String text, String field, int n) {
        try {
            double v = Double.parseDouble(text.strip());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(n, field + " is not a number: '" + text.strip() + "'");
        }
    }

    /** A percentage as a share in [0, 1]. */
    private double percent(String text, String field, int n) {
        double v = number(text, field, n);
        if (v < 0 || v > 100) {
            throw bad(n, field + " must be 0-100: " + text.strip());
        }
        return v / 100;
    }

    private GleanException bad(int line, String why) {
        return new GleanException(ErrorCode.INVALID_ARGUMENT, String.format(Locale.ROOT, "trace %s line %d: %s", source, line, why));
    }
}
