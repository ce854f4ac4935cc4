package dev.glean.agent.metrics;

/**
 * CFS bandwidth counters of a cgroup (cumulative): enforcement periods that elapsed while it had runnable
 * tasks, periods in which it hit its quota, and total time its tasks were throttled. All 0 without a quota.
 */
public record CpuThrottling(long periods, long throttledPeriods, long throttledNanos) {
    public static final CpuThrottling NONE = new CpuThrottling(0, 0, 0);
}
