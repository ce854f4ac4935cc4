package dev.glean.sim.workload;

import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The simulated secondary work: an endless bag of tasks (like an HTCondor pool's queue, there is always more work
 * than idle capacity), drawn from a seed. The distribution:
 * <ul>
 * <li>CPU request: 0.5, 1, 2, 4 or 8 CPUs with probabilities 20, 35, 25, 15 and 5 %.
 * <li>memory limit: 1, 2 or 4 GiB per CPU requested (50, 35, 15 %).
 * <li>runtime at full speed: log-normal, median 20 min, sigma 1.2 (mean ~41 min), clamped to 2 min - 12 h.
 * <li>declared runtime: 70 % of tasks declare one (their runtime times 1-2, as a timeout would be), 30 % none.
 * <li>tenant: one of four, equal weights; priority 0, one task in ten priority 10.
 * </ul>
 */
public final class JobStream {
    private static final long[] CPU = {500, 1000, 2000, 4000, 8000};
    private static final double[] CPU_P = {0.20, 0.35, 0.25, 0.15, 0.05};
    private static final long[] GIB_PER_CPU = {1, 2, 4};
    private static final double[] GIB_P = {0.50, 0.35, 0.15};
    private static final String[] TENANTS = {"alpha", "beta", "gamma", "delta"};

    private final SplittableRandom random;
    private long next;

    public JobStream(long seed) {
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    public SimTask next() {
        long cpu = CPU[pick(CPU_P)];
        long memory = Math.max(512L << 20, cpu * GIB_PER_CPU[pick(GIB_P)] * (1L << 30) / 1000);
        double minutes = Math.exp(Math.log(20) + 1.2 * gaussian());
        minutes = Math.max(2, Math.min(720, minutes));
        Duration declared = random.nextDouble() < 0.7 ? Duration.ofSeconds((long) (minutes * 60 * (1 + random.nextDouble()))) : null;
        String tenant = TENANTS[random.nextInt(TENANTS.length)];
        int priority = random.nextDouble() < 0.1 ? 10 : 0;
        return new SimTask(next++, tenant, priority, Resources.of(cpu, memory), cpu * minutes * 60, declared);
    }

    private int pick(double[] p) {
        double u = random.nextDouble();
        double acc = 0;
        for (int i = 0; i < p.length - 1; i++) {
            acc += p[i];
            if (u < acc) {
                return i;
            }
        }
        return p.length - 1;
    }

    private double gaussian() {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
