package dev.glean.agent.metrics;

import dev.glean.core.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HostSampler} on a fake procRoot and a temp tree laid out like this machine's v1 hybrid hierarchies. */
class HostSamplerV1LayoutTest {

    @ParameterizedTest(name = "co-mounted cpu,cpuacct: {0}")
    @ValueSource(booleans = {false, true})
    void samplesAV1HybridTreeTwice(boolean coMounted, @TempDir Path tmp) {
        Path proc = tmp.resolve("proc");
        Path cg = CgroupTrees.v1(tmp.resolve("cgroup"), coMounted, true);
        Fixtures.write(proc, "stat", Fixtures.resource("host/stat")); // busy 11258, idle 91205 jiffies
        Fixtures.write(proc, "meminfo", Fixtures.resource("host/meminfo"));
        Fixtures.write(proc, "pressure/cpu", Fixtures.resource("host/pressure-cpu"));
        CgroupTrees.v1Cgroup(cg, "glean", 30_000_000_000L, 800_000_000L, 200_000_000L, 100_000_000L, 50_000_000L);
        CgroupTrees.v1Cgroup(cg, "glean/a", 20_000_000_000L, 500_000_000L, 100_000_000L, 100_000_000L, 0);
        CgroupTrees.v1Cgroup(cg, "glean/b", 10_000_000_000L, 300_000_000L, 100_000_000L, 0, 50_000_000L);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
        CgroupHost host = CgroupHost.detect(cg, "glean");
        assertEquals(CgroupHost.Mode.V1, host.mode());
        HostSampler sampler = HostSampler.create(proc, host, clock);

        NodeSample first = sampler.sample(List.of("a", "b"));
        assertEquals(2, first.cpus());
        assertEquals(112.58, first.hostBusySeconds(), 1e-9);
        assertEquals(912.05, first.hostIdleSeconds(), 1e-9);
        assertEquals(30.0, first.secondaryCpuSeconds(), 1e-9);
        // 800M charged - 300M file LRU = 500M used (the 50M of shmem stays used)
        assertEquals(new Bytes(500_000_000L), first.secondaryMemory());
        assertEquals(new Bytes(300_000_000L), first.secondaryPageCache());
        assertEquals(new Bytes(300_000_000L), first.containers().get("a").memory());
        assertEquals(new Bytes(200_000_000L), first.containers().get("b").memory());
        assertEquals(new Bytes(100_000_000L), first.containers().get("b").pageCache());
        assertEquals(0.80, first.cpuPressure().someAvg10(), 1e-9);
        assertEquals(Millicores.ZERO, first.hostCpu());

        clock.advance(Duration.ofMillis(100));
        // 100 ms later: +12 busy jiffies (120 ms of CPU) = 1200m; a +90 ms = 900m; b +5 ms = 50m; parent +95 ms
        Fixtures.write(proc, "stat", Fixtures.resource("host/stat").replaceFirst("cpu  7674 ", "cpu  7686 "));
        CgroupTrees.v1Cgroup(cg, "glean", 30_095_000_000L, 800_000_000L, 200_000_000L, 100_000_000L, 50_000_000L);
        CgroupTrees.v1Cgroup(cg, "glean/a", 20_090_000_000L, 500_000_000L, 100_000_000L, 100_000_000L, 0);
        CgroupTrees.v1Cgroup(cg, "glean/b", 10_005_000_000L, 300_000_000L, 100_000_000L, 0, 50_000_000L);
        NodeSample second = sampler.sample(List.of("a", "b"));
        assertEquals(new Millicores(1200), second.hostCpu());
        assertEquals(new Millicores(950), second.secondaryCpu());
        assertEquals(new Millicores(250), second.incumbentCpu());
        assertEquals(new Millicores(900), second.containers().get("a").cpu());
        assertEquals(new Millicores(50), second.containers().get("b").cpu());
        assertEquals(Instant.parse("2026-11-27T10:00:00.100Z"), second.at());

        // the extra readers of the same sampler
        assertEquals(7, sampler.cgroupStats().throttling("glean/a").orElseThrow().throttledPeriods());
    }

    @Test
    void aMissingProcStatIsAnError(@TempDir Path tmp) {
        Path cg = CgroupTrees.v1(tmp.resolve("cgroup"), false, false);
        HostSampler sampler = HostSampler.create(tmp.resolve("proc"), CgroupHost.detect(cg, "glean"),
                new MutableClock(Instant.EPOCH));
        assertThrows(UncheckedIOException.class, () -> sampler.sample(List.of()));
    }
}
