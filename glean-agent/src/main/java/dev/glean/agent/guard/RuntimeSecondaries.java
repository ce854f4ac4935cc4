package dev.glean.agent.guard;

import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ContainerRuntime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * The live secondaries for the guard, from the container runtime's listing, listed again at most every {@code
 * maxAge}: a listing reads every container's state files, and the agent's own watch already lists ten times a
 * second. A container started since the last listing waits at most {@code maxAge} for its guarding (the parent's
 * CPU cap and its own memory limit hold it meanwhile). Priority comes from the "glean.priority" annotation;
 * containers without one count as priority 0.
 */
public final class RuntimeSecondaries implements Supplier<List<GuardSampler.Running>> {
    public static final String PRIORITY = "glean.priority";

    private final ContainerRuntime runtime;
    private final Clock clock;
    private final Duration maxAge;
    private List<GuardSampler.Running> last = List.of();
    private Instant listedAt;

    public RuntimeSecondaries(ContainerRuntime runtime, Clock clock, Duration maxAge) {
        this.runtime = runtime;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    @Override
    public synchronized List<GuardSampler.Running> get() {
        Instant now = clock.instant();
        if (listedAt == null || !now.isBefore(listedAt.plus(maxAge))) {
            try {
                last = runtime.list().stream()
                        .filter(c -> c.phase() == ContainerPhase.RUNNING || c.phase() == ContainerPhase.PAUSED)
                        .map(c -> new GuardSampler.Running(c.id(), priority(c), c.startedAt())).toList();
            } finally {
                listedAt = now; // a failing listing is retried after maxAge, not on every reading
            }
        }
        return last;
    }

    private static int priority(ContainerInfo c) {
        try {
            return Integer.parseInt(c.annotations().getOrDefault(PRIORITY, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
