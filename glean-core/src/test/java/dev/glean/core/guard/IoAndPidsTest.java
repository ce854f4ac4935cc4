package dev.glean.core.guard;

import static dev.glean.core.guard.FakeNode.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.guard.GuardAction.Evict;
import dev.glean.core.guard.GuardAction.ResumeAdmitting;
import dev.glean.core.guard.GuardAction.StopAdmitting;
import dev.glean.core.guard.GuardAction.ThrottleIo;
import dev.glean.core.guard.GuardAction.UnthrottleIo;
import dev.glean.core.guard.GuardReadings.Disk;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** io throttles per device and the host's thread count. */
class IoAndPidsTest {
    private static final long MIB = 1L << 20;

    private static Disk disk(double utilization) {
        return new Disk("254:0", utilization, 80 * MIB, 20 * MIB, 400, 100);
    }

    private static FakeNode node(GuardMode mode) {
        FakeNode n = new FakeNode(mode);
        n.incumbentMillicores = 0;
        n.disks = List.of(disk(0.2));
        n.step();
        return n;
    }

    private static List<String> io(List<GuardAction> actions) {
        return actions.stream().map(a -> a instanceof ThrottleIo t
                ? "throttle " + t.device() + " " + t.limit().readBps() / (double) MIB + "MiB/s " + t.limit().readIops() + "iops"
                : a instanceof UnthrottleIo u ? "unthrottle " + u.device() : null)
                .filter(java.util.Objects::nonNull).toList();
    }

    @Test
    void aBusyDeviceWithStallingIncumbentsIsThrottledTightenedAndLiftedAfterTheCoolDown() {
        FakeNode n = node(GuardMode.BALANCED);
        n.disks = List.of(disk(0.9));
        n.ioStall = 0.20;
        List<String> seen = new ArrayList<>();
        List<Instant> at = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            List<String> k = io(n.step());
            seen.addAll(k);
            k.forEach(x -> at.add(n.clock.instant()));
        }
        assertEquals(List.of("throttle 254:0 25.0MiB/s 125iops", "throttle 254:0 12.5MiB/s 62iops",
                "throttle 254:0 6.25MiB/s 50iops", "throttle 254:0 4.0MiB/s 50iops"), seen,
                "a quarter of the 100 MiB/s and 500 iops the device moves, halved every 2 s down to the floors");
        assertEquals(Instant.parse("2026-11-27T10:00:00.300Z"), at.get(0), "once the smoothed stall passed 5 %");
        assertEquals(Duration.ofSeconds(2), Duration.between(at.get(0), at.get(1)));

        n.disks = List.of(disk(0.3));
        n.ioStall = 0;
        n.taken.clear();
        n.runFor(Duration.ofSeconds(20));
        List<FakeNode.Taken> lifts = n.taken.stream().filter(t -> t.action() instanceof UnthrottleIo).toList();
        assertEquals(1, lifts.size());
        assertEquals(Instant.parse("2026-11-27T10:00:23.100Z"), lifts.get(0).at(),
                "15 s after the first quiet reading, at 8.1 s");
    }

    @Test
    void aBusyDeviceAloneIsNoHarmButWithoutPsiVeryBusyIs() {
        FakeNode n = node(GuardMode.BALANCED);
        n.disks = List.of(disk(0.95));
        assertEquals(List.of(), io(n.runFor(Duration.ofSeconds(10))), "the incumbents do not stall: leave it");

        FakeNode blind = node(GuardMode.BALANCED);
        blind.psi = false;
        blind.disks = List.of(disk(0.8));
        assertEquals(List.of(), io(blind.runFor(Duration.ofSeconds(5))));
        blind.disks = List.of(disk(0.95));
        assertEquals(List.of("throttle 254:0 25.0MiB/s 125iops"), io(blind.step()));
    }

    @Test
    void maxHarvestThrottlesLaterAndLooserThanBalanced() {
        // a stall between the two modes' targets (5 % and 10 %) on a device busy beyond both (60 % and 80 %)
        FakeNode balanced = node(GuardMode.BALANCED);
        FakeNode harvest = node(GuardMode.MAX_HARVEST);
        for (FakeNode n : List.of(balanced, harvest)) {
            n.disks = List.of(disk(0.9));
            n.ioStall = 0.07;
        }
        assertEquals("throttle 254:0 25.0MiB/s 125iops", io(balanced.runFor(Duration.ofSeconds(5))).get(0));
        assertEquals(List.of(), io(harvest.runFor(Duration.ofSeconds(5))), "7 % is below max-harvest's 10 %");

        harvest.ioStall = 0.20;
        assertEquals(List.of("throttle 254:0 50.0MiB/s 250iops"), io(harvest.runFor(Duration.ofSeconds(1))),
                "half of the 100 MiB/s and 500 iops the device moves, where balanced allows a quarter");
        harvest.disks = List.of(disk(0.7));
        assertEquals(List.of(), io(harvest.runFor(Duration.ofSeconds(5))),
                "70 % busy is not busy for max-harvest: hold");
    }

    @Test
    void aGuardWithoutIoThrottlesLiftsAThrottleLeftBehind() {
        GuardSettings b = GuardSettings.forMode(GuardMode.BALANCED, dev.glean.core.schedule.CapacitySettings.DEFAULTS);
        GuardSettings.Io i = b.io();
        GuardSettings.Io off = new GuardSettings.Io(false, i.busy(), i.busyWithoutPsi(), i.stallTarget(),
                i.stallSmoothing(), i.share(), i.minBps(), i.minIops(), i.tightenEvery(), i.coolDown());
        FakeNode n = new FakeNode(new GuardSettings(b.mode(), b.tick(), b.cpu(), b.memory(), off, b.pids()));
        GuardState s = GuardState.initial();
        n.state = new GuardState(s.cpu(), s.memory(), new GuardState.Io(0,
                Map.of("8:0", new GuardState.Throttle(new IoLimit(1, 1, 1, 1), null, null))), s.pids(), s.evicting(),
                null, true);
        n.disks = List.of(disk(0.99));
        n.ioStall = 0.9;
        assertEquals(List.of("unthrottle 8:0"), io(n.run(50)));
    }

    @Test
    void threadsNearTheKernelsLimitStopAdmissionAndEvictTheBiggestForkerOfTheLowestPriority() {
        FakeNode n = node(GuardMode.BALANCED);
        n.taskLimit = 10_000;
        n.secondaries.add(new GuardReadings.Secondary("few", 0, FakeNode.T0, dev.glean.core.resources.Bytes.ofMiB(10),
                dev.glean.core.resources.Bytes.ZERO, dev.glean.core.resources.Bytes.ofMiB(100), 5));
        n.secondaries.add(new GuardReadings.Secondary("many", 0, FakeNode.T0, dev.glean.core.resources.Bytes.ofMiB(10),
                dev.glean.core.resources.Bytes.ZERO, dev.glean.core.resources.Bytes.ofMiB(100), 900));
        n.secondaries.add(new GuardReadings.Secondary("most-but-high", 3, FakeNode.T0, dev.glean.core.resources.Bytes.ofMiB(10),
                dev.glean.core.resources.Bytes.ZERO, dev.glean.core.resources.Bytes.ofMiB(100), 2000));
        n.tasks = 8_600;
        List<GuardAction> stop = n.step();
        assertEquals(1, only(stop, StopAdmitting.class).size());
        assertTrue(only(stop, StopAdmitting.class).get(0).reason().startsWith("8600 threads on the host, 86% of"));
        n.tasks = 9_600;
        assertEquals(List.of("many"), only(n.step(), Evict.class).stream().map(Evict::containerId).toList());
        n.tasks = 8_000; // below the stop mark, above the resume mark: stays stopped
        assertEquals(List.of(), only(n.runFor(Duration.ofSeconds(60)), ResumeAdmitting.class));
        n.tasks = 7_000;
        n.taken.clear();
        n.runFor(Duration.ofSeconds(31));
        assertEquals(1, n.taken.stream().filter(t -> t.action() instanceof ResumeAdmitting).count());
    }
}
