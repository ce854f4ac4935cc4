package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.Pressure;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cgroup v1 reader against temp trees laid out like this machine's hierarchies (and a co-mounted variant). */
class CgroupV1StatsTest {

    @Test
    void readsSeparateCpuAndCpuacctHierarchies(@TempDir Path root) {
        CgroupTrees.v1(root, false, true);
        CgroupTrees.v1Cgroup(root, "glean", 5_000_000_000L, 300_000_000L, 40_000_000L, 60_000_000L, 8_000_000L);
        CgroupTrees.v1Cgroup(root, "glean/job-1", 2_500_000_000L, 120_000_000L, 10_000_000L, 20_000_000L, 0);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertInstanceOf(CgroupV1Stats.class, s);

        assertEquals("glean/job-1", s.containerCgroup("job-1"));
        assertTrue(s.exists("glean"));
        // used = usage - (total_active_file + total_inactive_file); shmem stays in "used"
        assertEquals(Optional.of(new CgroupUsage(5_000_000_000L, 200_000_000L, 100_000_000L)), s.usage("glean"));
        assertEquals(Optional.of(new CgroupUsage(2_500_000_000L, 90_000_000L, 30_000_000L)), s.usage("glean/job-1"));
        assertEquals(Optional.of(new CpuThrottling(40, 7, 350_000_000L)), s.throttling("glean/job-1"));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), s.memoryLimit("glean"));
        assertEquals(OptionalLong.of(5), s.pidsCurrent("glean/job-1"));
    }

    @Test
    void readsCoMountedCpuCpuacct(@TempDir Path root) {
        CgroupTrees.v1(root, true, false);
        CgroupTrees.v1Cgroup(root, "glean", 7_000L, 1000, 0, 0, 0);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(7_000L, s.usage("glean").orElseThrow().cpuNanos());
        assertEquals(7, s.throttling("glean").orElseThrow().throttledPeriods());
        // no unified mount: no per-cgroup PSI
        assertEquals(CgroupPressure.NONE, s.pressure("glean"));
    }

    @Test
    void missingCgroupIsEmptyNotAnError(@TempDir Path root) {
        CgroupTrees.v1(root, false, true);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertFalse(s.exists("glean/gone"));
        assertEquals(Optional.empty(), s.usage("glean/gone"));
        assertEquals(Optional.empty(), s.throttling("glean/gone"));
        assertEquals(OptionalLong.empty(), s.memoryLimit("glean/gone"));
        assertEquals(OptionalLong.empty(), s.pidsCurrent("glean/gone"));
        assertEquals(CgroupPressure.NONE, s.pressure("glean/gone"));
    }

    @Test
    void memoryNeverGoesNegativeAndALimitIsBytes(@TempDir Path root) {
        CgroupTrees.v1(root, false, false);
        CgroupTrees.v1Cgroup(root, "glean", 1, 1000, 0, 0, 0);
        // usage_in_bytes is fuzzy: it can momentarily be below the file LRU sum
        Fixtures.write(root, "memory/glean/memory.usage_in_bytes", "500\n");
        Fixtures.write(root, "memory/glean/memory.stat", "total_active_file 400\ntotal_inactive_file 300\n");
        Fixtures.write(root, "memory/glean/memory.limit_in_bytes", "268435456\n");
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(new CgroupUsage(1, 0, 500), s.usage("glean").orElseThrow());
        assertEquals(OptionalLong.of(268435456L), s.memoryLimit("glean"));
    }

    @Test
    void cgroupInCpuacctButNotInMemoryHasZeroMemory(@TempDir Path root) {
        CgroupTrees.v1(root, false, false);
        Fixtures.write(root, "cpuacct/glean/cpuacct.usage", "123\n");
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(Optional.of(new CgroupUsage(123, 0, 0)), s.usage("glean"));
    }

    @Test
    void perCgroupPsiComesFromTheHybridUnifiedMount(@TempDir Path root) {
        CgroupTrees.v1(root, false, true);
        Fixtures.write(root, "unified/glean/job-1/cpu.pressure",
                "some avg10=12.50 avg60=3.00 avg300=1.00 total=777\nfull avg10=4.00 avg60=1.00 avg300=0.00 total=333\n");
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        CgroupPressure p = s.pressure("glean/job-1");
        assertEquals(new Pressure(12.5, 4.0, 777, 333), p.cpu());
        assertEquals(Pressure.NONE, p.memory());
    }

    @Test
    void idsThatAreNotCgroupNamesAreRejected(@TempDir Path root) {
        CgroupTrees.v1(root, false, false);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        for (String bad : new String[] {"", ".", "..", "a/b"}) {
            assertThrows(IllegalArgumentException.class, () -> s.containerCgroup(bad), bad);
        }
    }
}
