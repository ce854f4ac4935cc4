package dev.glean.agent.metrics;

import dev.glean.core.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostSampler} on a fake procRoot and a temp directory laid out like a cgroup v2-only host
 * (/sys/fs/cgroup with cgroup.controllers, glean/cpu.stat, glean/memory.current, glean/memory.stat,
 * glean/&lt;id&gt;/...). Only the layout and file formats are checked here: real v2 hosts are not verified
 * by any test on this (v1 hybrid) machine.
 */
class HostSamplerV2LayoutTest {
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    @TempDir
    Path tmp;
    Path proc;
    Path cg;
    MutableClock clock;

    @BeforeEach
    void setUp() {
        proc = tmp.resolve("proc");
        cg = CgroupTrees.v2(tmp.resolve("sys/fs/cgroup"));
        clock = new MutableClock(T0);
        Fixtures.write(proc, "stat", Fixtures.procStat(1000, 200, 20_000));
        Fixtures.write(proc, "meminfo", Fixtures.resource("host/meminfo"));
        Fixtures.write(proc, "pressure/cpu", "some avg10=17.61 avg60=5.51 avg300=1.90 total=9011497\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        Fixtures.write(proc, "pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=10\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
        Fixtures.write(proc, "pressure/io", Fixtures.resource("host/pressure-io"));
    }

    private HostSampler sampler() {
        CgroupHost host = CgroupHost.detect(cg, "glean");
        assertEquals(CgroupHost.Mode.V2, host.mode());
        return HostSampler.create(proc, host, clock);
    }

    @Test
    void firstSampleHasCountersButNoRates() {
        CgroupTrees.v2Cgroup(cg, "glean", 10_000_000, 500_000_000L, 100_000_000L, 50_000_000L, 1_000_000L);
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 4_000_000, 300_000_000L, 60_000_000L, 40_000_000L, 0);
        NodeSample s = sampler().sample(List.of("job-1", "not-started"));

        assertEquals(T0, s.at());
        assertEquals(2, s.cpus());
        assertEquals(new Bytes(24683620L * 1024), s.memoryTotal());
        assertEquals(new Bytes(24362760L * 1024), s.memoryAvailable());
        assertEquals(Millicores.ZERO, s.hostCpu());
        assertEquals(Millicores.ZERO, s.secondaryCpu());
        assertEquals(12.0, s.hostBusySeconds(), 1e-9);
        assertEquals(200.0, s.hostIdleSeconds(), 1e-9);
        assertEquals(10.0, s.secondaryCpuSeconds(), 1e-9);
        assertEquals(new Bytes(350_000_000L), s.secondaryMemory());
        assertEquals(new Bytes(150_000_000L), s.secondaryPageCache());
        assertEquals(new Pressure(17.61, 0, 9011497, 0), s.cpuPressure());
        assertEquals(new Pressure(0, 0, 10, 5), s.memoryPressure());
        assertEquals(3920335L, s.ioPressure().someTotalMicros());
        assertEquals(List.of("job-1"), List.copyOf(s.containers().keySet()));
        assertEquals(new ContainerUsage(Millicores.ZERO, new Bytes(200_000_000L), new Bytes(100_000_000L), 4.0),
                s.containers().get("job-1"));
    }

    @Test
    void ratesComeFromTheDifferenceToThePreviousSample() throws Exception {
        CgroupTrees.v2Cgroup(cg, "glean", 10_000_000, 500_000_000L, 100_000_000L, 50_000_000L, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 4_000_000, 300_000_000L, 60_000_000L, 40_000_000L, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-2", 1_000_000, 10_000_000L, 0, 0, 0);
        HostSampler sampler = sampler();
        sampler.sample(List.of("job-1", "job-2"));

        clock.advance(Duration.ofSeconds(2));
        // host: +300 busy jiffies (3 CPU-seconds) in 2 s = 1500m; parent +2 s = 1000m; job-1 +1.5 s = 750m
        Fixtures.write(proc, "stat", Fixtures.procStat(1250, 250, 20_100));
        CgroupTrees.v2Cgroup(cg, "glean", 12_000_000, 600_000_000L, 100_000_000L, 50_000_000L, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 5_500_000, 400_000_000L, 60_000_000L, 40_000_000L, 0);
        Fixtures.deleteTree(cg.resolve("glean/job-2")); // removed between the two samples
        CgroupTrees.v2Cgroup(cg, "glean/job-3", 300_000, 1_000_000L, 0, 0, 0); // new: no rate yet
        NodeSample s = sampler.sample(List.of("job-1", "job-2", "job-3"));

        assertEquals(T0.plusSeconds(2), s.at());
        assertEquals(new Millicores(1500), s.hostCpu());
        assertEquals(new Millicores(1000), s.secondaryCpu());
        assertEquals(new Millicores(500), s.incumbentCpu());
        assertEquals(15.0, s.hostBusySeconds(), 1e-9);
        assertEquals(12.0, s.secondaryCpuSeconds(), 1e-9);
        assertEquals(new Bytes(450_000_000L), s.secondaryMemory());
        assertFalse(s.containers().containsKey("job-2"));
        assertEquals(new Millicores(750), s.containers().get("job-1").cpu());
        assertEquals(5.5, s.containers().get("job-1").cpuSeconds(), 1e-9);
        assertEquals(new Bytes(300_000_000L), s.containers().get("job-1").memory());
        assertEquals(Millicores.ZERO, s.containers().get("job-3").cpu());
        assertEquals(0.3, s.containers().get("job-3").cpuSeconds(), 1e-9);

        // a third sample: job-3 now has a rate (+0.2 s over 0.5 s = 400m)
        clock.advance(Duration.ofMillis(500));
        CgroupTrees.v2Cgroup(cg, "glean/job-3", 500_000, 1_000_000L, 0, 0, 0);
        assertEquals(new Millicores(400), sampler.sample(List.of("job-3")).containers().get("job-3").cpu());
        assertFalse(Files.exists(cg.resolve("glean/job-2")));
    }

    @Test
    void withFilesKeptOpenRatesAreTheSameAndContainersNoLongerNamedAreClosed() {
        // Files kept open are re-read in place (pread at 0); the fixtures rewrite files in place like the kernel.
        CgroupTrees.v2Cgroup(cg, "glean", 10_000_000, 500_000_000L, 100_000_000L, 50_000_000L, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 4_000_000, 300_000_000L, 60_000_000L, 40_000_000L, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-2", 1_000_000, 10_000_000L, 0, 0, 0);
        try (HostSampler sampler = HostSampler.create(proc, CgroupHost.detect(cg, "glean"), clock, true)) {
            sampler.sample(List.of("job-1", "job-2"));
            assertEquals(5 + 3 + 3 + 3, sampler.openFileCount());

            clock.advance(Duration.ofSeconds(2));
            Fixtures.write(proc, "stat", Fixtures.procStat(1250, 250, 20_100));
            CgroupTrees.v2Cgroup(cg, "glean", 12_000_000, 600_000_000L, 100_000_000L, 50_000_000L, 0);
            CgroupTrees.v2Cgroup(cg, "glean/job-1", 5_500_000, 400_000_000L, 60_000_000L, 40_000_000L, 0);
            NodeSample s = sampler.sample(List.of("job-1"));
            assertEquals(new Millicores(1500), s.hostCpu());
            assertEquals(new Millicores(1000), s.secondaryCpu());
            assertEquals(new Millicores(750), s.containers().get("job-1").cpu());
            assertEquals(new Bytes(300_000_000L), s.containers().get("job-1").memory());
            assertEquals(5 + 3 + 3, sampler.openFileCount(), "job-2's files were closed");
            sampler.close();
            assertEquals(0, sampler.openFileCount());
        }
    }

    @Test
    void missingParentGivesZerosAndItsFirstAppearanceNoRate() {
        HostSampler sampler = sampler();
        NodeSample s = sampler.sample(List.of("job-1"));
        assertEquals(0.0, s.secondaryCpuSeconds());
        assertEquals(Bytes.ZERO, s.secondaryMemory());
        assertEquals(Bytes.ZERO, s.secondaryPageCache());
        assertEquals(0, s.containers().size());

        clock.advance(Duration.ofSeconds(1));
        CgroupTrees.v2Cgroup(cg, "glean", 3_000_000, 1000, 0, 0, 0);
        s = sampler.sample(List.of());
        assertEquals(3.0, s.secondaryCpuSeconds(), 1e-9);
        assertEquals(Millicores.ZERO, s.secondaryCpu());
    }

    @Test
    void countersThatGoBackwardsOrAClockThatStandsStillGiveZeroAndRatesAreCapped() {
        CgroupTrees.v2Cgroup(cg, "glean", 10_000_000, 1000, 0, 0, 0);
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 9_000_000, 1000, 0, 0, 0);
        HostSampler sampler = sampler();
        sampler.sample(List.of("job-1"));

        // job-1 recreated under the same id: its counter restarts
        clock.advance(Duration.ofSeconds(1));
        CgroupTrees.v2Cgroup(cg, "glean/job-1", 100_000, 1000, 0, 0, 0);
        // host busy +1000 jiffies = 10 CPU-seconds in 1 s on 2 CPUs: capped at 2000m
        Fixtures.write(proc, "stat", Fixtures.procStat(2000, 200, 20_000));
        NodeSample s = sampler.sample(List.of("job-1"));
        assertEquals(Millicores.ZERO, s.containers().get("job-1").cpu());
        assertEquals(new Millicores(2000), s.hostCpu());

        // no time passed
        Fixtures.write(proc, "stat", Fixtures.procStat(2100, 200, 20_000));
        assertEquals(Millicores.ZERO, sampler.sample(List.of()).hostCpu());
    }

    @Test
    void hostWithoutPsiHasNone() throws Exception {
        Fixtures.deleteTree(proc.resolve("pressure"));
        NodeSample s = sampler().sample(List.of());
        assertEquals(Pressure.NONE, s.cpuPressure());
        assertEquals(Pressure.NONE, s.memoryPressure());
        assertEquals(Pressure.NONE, s.ioPressure());
    }
}
