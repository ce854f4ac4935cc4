package dev.glean.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.guard.GuardPolicy;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardSettings;
import dev.glean.core.guard.IoLimit;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The loop around the policy, with fake readings and fake controls. */
class NodeGuardTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final FakeControls controls = new FakeControls();
    private final List<String> evicted = new CopyOnWriteArrayList<>();
    private final List<NodeGuard.Event> events = new CopyOnWriteArrayList<>();
    private long availableMiB = 8000;
    private double waitMsPerSecond = 50;
    private Duration interval = Duration.ZERO;
    private final AtomicInteger readingsTaken = new AtomicInteger();

    /** Records what the guard turned; {@code failCpu} makes the next CPU write fail as a refused cgroup write would. */
    static final class FakeControls implements GuardControls {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile boolean failCpu;

        @Override
        public void setCpuCap(CpuCap cap) {
            if (failCpu) {
                failCpu = false;
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot write to cpu.cfs_quota_us: Invalid argument");
            }
            calls.add("cpu " + cap);
        }

        @Override
        public void throttleIo(String device, IoLimit limit, Collection<String> containers) {
            calls.add("throttle " + device);
        }

        @Override
        public void unthrottleIo(String device, Collection<String> containers) {
            calls.add("unthrottle " + device);
        }

        @Override
        public void setMemoryLimit(String containerId, Bytes limit) {
            calls.add("memory " + containerId + " " + limit);
        }
    }

    private GuardReadings reading() {
        readingsTaken.incrementAndGet();
        Duration i = interval;
        interval = Duration.ofMillis(100);
        clock.advance(i);
        return new GuardReadings(i, 2, Bytes.ofMiB(10 * 1024), Bytes.ofMiB(availableMiB), Millicores.ZERO,
                new Millicores(1500), Duration.ofNanos(Math.round(i.toNanos() * waitMsPerSecond / 1000)),
                GuardReadings.Stalls.NONE, List.of(), 300, 32768,
                List.of(new GuardReadings.Secondary("g-1-0-1", 0, clock.instant(), Bytes.ofMiB(600), Bytes.ofMiB(10),
                        Bytes.ofMiB(1024), 3)));
    }

    private NodeGuard guard() {
        GuardPolicy policy = new GuardPolicy(GuardSettings.forMode(GuardMode.BALANCED, CapacitySettings.DEFAULTS));
        return new NodeGuard(policy, this::reading, controls, (id, why) -> evicted.add(id + ": " + why), events::add, clock);
    }

    @Test
    void actionsAreCarriedOutAndEachIsAnEvent() {
        NodeGuard guard = guard();
        List<NodeGuard.Event> first = guard.step();
        assertEquals(List.of("cpu unlimited"), controls.calls);
        assertEquals(first, events);
        assertNull(first.get(0).error());
        assertTrue(guard.admitting());

        availableMiB = 900; // below the 1024 MiB reserve
        List<NodeGuard.Event> drop = guard.step();
        assertEquals(List.of("StopAdmitting", "Evict"),
                drop.stream().map(e -> e.action().getClass().getSimpleName()).toList());
        assertFalse(guard.admitting());
        assertEquals(1, evicted.size());
        assertTrue(evicted.get(0).startsWith("g-1-0-1: available memory 900M is below the reserve of 1G"), evicted.get(0));
    }

    @Test
    void aRefusedCpuWriteIsReportedAndTheCapIsSetAgainAtTheNextReading() {
        NodeGuard guard = guard();
        controls.failCpu = true;
        NodeGuard.Event failed = guard.step().get(0);
        assertTrue(failed.action() instanceof GuardAction.SetCpuQuota);
        assertTrue(failed.error().contains("Invalid argument"), failed.error());
        assertNull(guard.state().cpu().applied(), "the guard no longer knows the cap");
        List<NodeGuard.Event> retry = guard.step();
        assertEquals(List.of("cpu unlimited"), controls.calls);
        assertNull(retry.get(0).error());
    }

    @Test
    void theLoopRunsByItselfAndStopsOnClose() throws Exception {
        NodeGuard guard = guard().start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (readingsTaken.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        guard.close();
        int after = readingsTaken.get();
        assertTrue(after >= 3, "readings: " + after);
        Thread.sleep(300);
        assertEquals(after, readingsTaken.get(), "no reading after close");
        assertEquals(new ArrayList<>(List.of("cpu unlimited")), new ArrayList<>(controls.calls.subList(0, 1)));
    }
}
