package dev.glean.controller;

import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.schedule.LendingPolicies;
import java.time.Duration;
import java.util.List;

/**
 * Everything the controller is told at start; validated by whoever builds it (the config loader).
 * {@code lease}: how long an agent may run its containers without hearing from the controller.
 * {@code lostGrace}: extra wait after a lease ran out before its tasks go elsewhere; it must cover the agent's
 * own stop (2 s of grace) and its watchdog's (3 s after the lease, polled each second): at least
 * {@link #MIN_LOST_GRACE}. {@code allowedVolumes}: host path prefixes jobs may mount (empty: none).
 * {@code lending}: the admin's rules on how much, and when, nodes may lend. {@code preemption}: whether a queued task
 * may stop running ones of lower priority to take their place.
 */
public record ControllerSettings(
        String bind,
        int port,
        Duration lease,
        Duration lostGrace,
        CapacitySettings capacity,
        int maxRequeues,
        int maxPlacementsPerCycle,
        Duration cycle,
        long maxLogBytesPerAttempt,
        List<String> allowedVolumes,
        LendingPolicies lending,
        boolean preemption) {

    public static final Duration MIN_LOST_GRACE = Duration.ofSeconds(5);

    public ControllerSettings {
        allowedVolumes = List.copyOf(allowedVolumes);
    }

    public static ControllerSettings defaults() {
        return new ControllerSettings("127.0.0.1", 7070, Duration.ofSeconds(15), Duration.ofSeconds(10), CapacitySettings.DEFAULTS,
                5, 2000, Duration.ofSeconds(1), 64L << 20, List.of(), LendingPolicies.NONE, true);
    }

    public ControllerSettings withPort(int p) {
        return new ControllerSettings(bind, p, lease, lostGrace, capacity, maxRequeues, maxPlacementsPerCycle, cycle,
                maxLogBytesPerAttempt, allowedVolumes, lending, preemption);
    }

    public ControllerSettings withLease(Duration l, Duration grace) {
        return new ControllerSettings(bind, port, l, grace, capacity, maxRequeues, maxPlacementsPerCycle, cycle,
                maxLogBytesPerAttempt, allowedVolumes, lending, preemption);
    }
}
