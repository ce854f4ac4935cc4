package dev.glean.core.protocol;

import dev.glean.core.runtime.ContainerPhase;
import java.time.Instant;

/**
 * An attempt's container as the agent sees it. {@code logSize} is the size of its local log; once the
 * container has EXITED and the controller holds {@code logSize} bytes, it can acknowledge the attempt.
 * {@code reason} explains an EXITED without exit code (failed to start, vanished, killed by the lease), or one the
 * agent stopped itself (lease, eviction by the guard).
 */
public record ContainerReport(
        String attemptId,
        ContainerPhase phase,
        Integer exitCode,
        Instant startedAt,
        Instant finishedAt,
        long logSize,
        String reason) {

    /** The reason of a container the agent (or its watchdog) stopped because its lease ran out. */
    public static final String LEASE_EXPIRED = "lease expired";

    /**
     * The start of the reason of a container the node's guard stopped to protect its incumbents ("evicted: why");
     * the controller requeues it without spending a retry.
     */
    public static final String EVICTED = "evicted: ";
    /** The reason of a container the agent stopped because the controller no longer wanted it to run. */
    public static final String NO_LONGER_DESIRED = "no longer desired";

    public boolean stoppedForLease() {
        return reason != null && reason.startsWith(LEASE_EXPIRED);
    }

    public boolean evicted() {
        return reason != null && reason.startsWith(EVICTED);
    }
}
