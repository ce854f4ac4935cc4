package dev.glean.core.guard;

import dev.glean.core.guard.GuardReadings.Disk;
import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.guard.GuardReadings.Stalls;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A node the tests set by hand, read every 100 ms of virtual time: what the next reading shows is whatever the
 * fields hold. Keeps the guard's state and every action it took, with when.
 */
final class FakeNode {
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    static final Duration TICK = Duration.ofMillis(100);

    final MutableClock clock = new MutableClock(T0);
    final GuardPolicy policy;
    GuardState state = GuardState.initial();
    final List<Taken> taken = new ArrayList<>();
    private boolean first = true;

    int cpus = 2;
    Bytes total = Bytes.ofMiB(16 * 1024);
    Bytes available = Bytes.ofMiB(12 * 1024);
    long incumbentMillicores = 200;
    long secondaryMillicores = 1500;
    double waitMsPerSecond = 80;
    boolean psi = true;
    double cpuStall;
    double memoryStall;
    double ioStall;
    List<Disk> disks = List.of();
    long tasks = 300;
    long taskLimit = 32768;
    List<Secondary> secondaries = new ArrayList<>();

    record Taken(Instant at, GuardAction action) {}

    FakeNode(GuardMode mode) {
        this(GuardSettings.forMode(mode, CapacitySettings.DEFAULTS));
    }

    FakeNode(GuardSettings settings) {
        this.policy = new GuardPolicy(settings);
    }

    /** One reading (the first has no interval), one decision; returns the actions it took. */
    List<GuardAction> step() {
        Duration interval = first ? Duration.ZERO : TICK;
        if (!first) {
            clock.advance(TICK);
        }
        first = false;
        GuardReadings r = new GuardReadings(interval, cpus, total, available, new Millicores(incumbentMillicores),
                new Millicores(secondaryMillicores), nanos(interval, waitMsPerSecond / 1000),
                psi ? new Stalls(true, nanos(interval, cpuStall), nanos(interval, memoryStall), nanos(interval, ioStall))
                        : Stalls.NONE,
                disks, tasks, taskLimit, secondaries);
        GuardPolicy.Decision d = policy.decide(r, state, clock.instant());
        state = d.state();
        d.actions().forEach(a -> taken.add(new Taken(clock.instant(), a)));
        return d.actions();
    }

    /** {@code n} readings; all their actions. */
    List<GuardAction> run(int n) {
        List<GuardAction> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.addAll(step());
        }
        return all;
    }

    List<GuardAction> runFor(Duration d) {
        return run((int) (d.toMillis() / TICK.toMillis()));
    }

    /** The cap in force, in millicores (capacity when unlimited; -1 before the first). */
    long cap() {
        CpuCap c = state.cpu().applied();
        return c == null ? -1 : c.millicores(cpus * 1000L);
    }

    Secondary secondary(String id, int priority, int startedSecondsAfterT0, long memoryMiB, long cacheMiB, long limitMiB) {
        Secondary s = new Secondary(id, priority, T0.plusSeconds(startedSecondsAfterT0), Bytes.ofMiB(memoryMiB),
                Bytes.ofMiB(cacheMiB), Bytes.ofMiB(limitMiB), 4);
        secondaries.add(s);
        return s;
    }

    static Duration nanos(Duration interval, double fraction) {
        return Duration.ofNanos(Math.round(interval.toNanos() * fraction));
    }

    static <T extends GuardAction> List<T> only(List<GuardAction> actions, Class<T> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
