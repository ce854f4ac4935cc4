package dev.glean.sim.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Incumbents made up from a seed, the default mix of the simulator. Every node draws its kind, its size and its
 * own parameters from its own stream (the seed and its index), so node 7 is the same node whatever the cluster's
 * size. Shares of capacity per step; the day is UTC and step 0 is a Monday 00:00.
 *
 * <ul>
 * <li><b>web</b> (40 %): diurnal web servers. CPU 5-15 % at night rising to 40-75 % at 16:00, 60 % of that swing on
 * weekends, with autocorrelated noise (sd ~3 %); memory 25-45 % plus up to 12 % that follows the load.
 * <li><b>batch</b> (20 %): quiet by day (CPU ~5 %), a nightly job starting between 00:30 and 03:00 (+-20 min from
 * night to night) for 2-3 h at 60-90 % CPU that loads 25-45 % of the memory over 6 minutes and frees it over 3.
 * <li><b>idle</b> (25 %): boxes that do almost nothing: CPU 1-4 %, an hourly cron minute at 15-30 %, memory 8-15 %.
 * <li><b>spiky</b> (15 %): CPU 10-20 % with bursts (3 % chance a minute) of 1-6 minutes at 50-95 %; memory 30-45 %
 * with a bump of 5-15 % about three times a day, built over 3 minutes and held 10-60 minutes.
 * </ul>
 * Sizes: 8, 16, 32 or 64 CPUs with 4 or 8 GiB per CPU.
 */
public final class SyntheticTraces {
    public static final int STEPS_PER_DAY_AT_60S = 1440;
    private static final int[] CPUS = {8, 16, 32, 64};
    private static final int[] GIB_PER_CPU = {4, 8};

    private SyntheticTraces() {}

    /** {@code nodes} traces of {@code steps} steps of {@code stepSeconds} each. */
    public static List<NodeTrace> generate(int nodes, int steps, int stepSeconds, long seed) {
        List<NodeTrace> out = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            out.add(node(i, steps, stepSeconds, seed));
        }
        return out;
    }

    public static NodeTrace node(int index, int steps, int stepSeconds, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        int cpus = CPUS[r.nextInt(CPUS.length)];
        long memory = (long) cpus * GIB_PER_CPU[r.nextInt(GIB_PER_CPU.length)] << 30;
        double k = r.nextDouble();
        float[] cpu = new float[steps];
        float[] mem = new float[steps];
        String kind;
        if (k < 0.40) {
            kind = "web";
            web(r, steps, stepSeconds, cpu, mem);
        } else if (k < 0.60) {
            kind = "batch";
            batch(r, steps, stepSeconds, cpu, mem);
        } else if (k < 0.85) {
            kind = "idle";
            idle(r, steps, stepSeconds, cpu, mem);
        } else {
            kind = "spiky";
            spiky(r, steps, stepSeconds, cpu, mem);
        }
        return new NodeTrace(String.format("%s-%05d", kind, index), kind, cpus, memory, cpu, mem);
    }

    /** 0 at 04:00, 1 at 16:00; weekends (days 5 and 6 from the Monday start) swing 60 % as far. */
    private static double daily(long second) {
        double hour = (second % 86_400) / 3600.0;
        double d = 0.5 - 0.5 * Math.cos(2 * Math.PI * (hour - 4) / 24);
        long day = second / 86_400 % 7;
        return day >= 5 ? 0.6 * d : d;
    }

    private static void web(SplittableRandom r, int steps, int stepSeconds, float[] cpu, float[] mem) {
        double base = 0.05 + 0.10 * r.nextDouble();
        double peak = 0.40 + 0.35 * r.nextDouble();
        double memBase = 0.25 + 0.20 * r.nextDouble();
        double memSwing = 0.12 * r.nextDouble();
        double noise = 0;
        double memNoise = 0;
        for (int s = 0; s < steps; s++) {
            double d = daily((long) s * stepSeconds);
            noise = 0.8 * noise + 0.018 * gaussian(r);
            memNoise = 0.95 * memNoise + 0.001 * gaussian(r);
            cpu[s] = clamp(base + (peak - base) * d + noise);
            mem[s] = clamp(memBase + memSwing * d + memNoise);
        }
    }

    private static void batch(SplittableRandom r, int steps, int stepSeconds, float[] cpu, float[] mem) {
        double quiet = 0.03 + 0.04 * r.nextDouble();
        double memBase = 0.15 + 0.15 * r.nextDouble();
        double load = 0.25 + 0.20 * r.nextDouble();
        double busy = 0.60 + 0.30 * r.nextDouble();
        int startMinute = 30 + r.nextInt(150);
        int minutes = 120 + r.nextInt(60);
        int perDay = 86_400 / stepSeconds;
        int rampUp = Math.max(1, 360 / stepSeconds);
        int rampDown = Math.max(1, 180 / stepSeconds);
        double noise = 0;
        int jobStart = -1;
        int jobEnd = -1;
        for (int s = 0; s < steps; s++) {
            if (s % perDay == 0) {
                int jitter = r.nextInt(41) - 20;
                jobStart = s + (startMinute + jitter) * 60 / stepSeconds;
                jobEnd = jobStart + minutes * 60 / stepSeconds;
            }
            noise = 0.7 * noise + 0.01 * gaussian(r);
            double c = quiet + noise;
            double m = memBase;
            if (s >= jobStart && s < jobEnd) {
                c = busy + 3 * noise;
                m += load * Math.min(1, (s - jobStart + 1) / (double) rampUp);
            } else if (s >= jobEnd && s < jobEnd + rampDown) {
                m += load * (1 - (s - jobEnd + 1) / (double) rampDown);
            }
            cpu[s] = clamp(c);
            mem[s] = clamp(m);
        }
    }

    private static void idle(SplittableRandom r, int steps, int stepSeconds, float[] cpu, float[] mem) {
        double level = 0.01 + 0.03 * r.nextDouble();
        double cron = 0.15 + 0.15 * r.nextDouble();
        double memLevel = 0.08 + 0.07 * r.nextDouble();
        int perHour = Math.max(1, 3600 / stepSeconds);
        int cronAt = r.nextInt(perHour);
        for (int s = 0; s < steps; s++) {
            cpu[s] = clamp(s % perHour == cronAt ? cron : level + 0.005 * gaussian(r));
            mem[s] = clamp(memLevel + 0.002 * gaussian(r));
        }
    }

    private static void spiky(SplittableRandom r, int steps, int stepSeconds, float[] cpu, float[] mem) {
        double base = 0.10 + 0.10 * r.nextDouble();
        double memBase = 0.30 + 0.15 * r.nextDouble();
        double perMinute = stepSeconds / 60.0;
        int burstLeft = 0;
        double burst = 0;
        int bumpLeft = 0;
        int bumpAge = 0;
        double bump = 0;
        int ramp = Math.max(1, 180 / stepSeconds);
        for (int s = 0; s < steps; s++) {
            if (burstLeft == 0 && r.nextDouble() < 0.03 * perMinute) {
                burstLeft = Math.max(1, (1 + r.nextInt(6)) * 60 / stepSeconds);
                burst = 0.50 + 0.45 * r.nextDouble();
            }
            double c = base + 0.03 * gaussian(r);
            if (burstLeft > 0) {
                c = burst + 0.03 * gaussian(r);
                burstLeft--;
            }
            if (bumpLeft == 0 && r.nextDouble() < 3.0 / 1440 * perMinute) {
                bumpLeft = Math.max(ramp + 1, (10 + r.nextInt(51)) * 60 / stepSeconds);
                bumpAge = 0;
                bump = 0.05 + 0.10 * r.nextDouble();
            }
            double m = memBase;
            if (bumpLeft > 0) {
                bumpAge++;
                m += bump * Math.min(1, bumpAge / (double) ramp);
                bumpLeft--;
            }
            cpu[s] = clamp(c);
            mem[s] = clamp(m + 0.002 * gaussian(r));
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default, and this keeps
        // the stream the same on every JDK.
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static float clamp(double v) {
        return (float) Math.max(0, Math.min(1, v));
    }
}
