package dev.glean.core.guard;

import dev.glean.core.guard.GuardReadings.Secondary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which secondaries to evict. The lowest priority first, then the newest: it has lost the least work and is the
 * likeliest to have caused the change. Among equals the larger first, so fewer are evicted.
 */
final class Victims {
    private static final Comparator<Secondary> LOWEST_NEWEST = Comparator.comparingInt(Secondary::priority)
            .thenComparing(Victims::started, Comparator.reverseOrder());

    private Victims() {}

    /**
     * Enough containers, in eviction order, that their memory without cache covers {@code bytes} (at least one).
     * Containers that hold no such memory free nothing and are passed over while any other is left.
     */
    static List<Secondary> forMemory(List<Secondary> candidates, long bytes) {
        List<Secondary> order = new ArrayList<>(candidates);
        order.sort(LOWEST_NEWEST.thenComparing((Secondary c) -> c.memory().value(), Comparator.reverseOrder())
                .thenComparing(Secondary::id));
        List<Secondary> holding = order.stream().filter(c -> c.memory().value() > 0).toList();
        List<Secondary> pool = holding.isEmpty() ? order : holding;
        List<Secondary> chosen = new ArrayList<>();
        long freed = 0;
        for (Secondary c : pool) {
            chosen.add(c);
            freed += c.memory().value();
            if (freed >= bytes) {
                break;
            }
        }
        return chosen;
    }

    /** One container: the lowest priority, then the most threads, then the newest. */
    static List<Secondary> forTasks(List<Secondary> candidates) {
        return candidates.stream()
                .min(Comparator.comparingInt(Secondary::priority)
                        .thenComparing(Secondary::tasks, Comparator.reverseOrder())
                        .thenComparing(Victims::started, Comparator.reverseOrder())
                        .thenComparing(Secondary::id))
                .map(List::of).orElse(List.of());
    }

    /** A container without a start time is treated as the newest. */
    private static Instant started(Secondary c) {
        return c.startedAt() == null ? Instant.MAX : c.startedAt();
    }
}
