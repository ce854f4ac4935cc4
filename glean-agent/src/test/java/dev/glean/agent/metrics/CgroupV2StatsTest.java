package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.Pressure;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroup v2 reader against a temp directory laid out like a cgroup2 tree. NOT verified on a real v2 host: the
 * machine this was written on runs v1 controllers in hybrid mode, so these files are hand-made in the format of
 * kernel 6.x (and the real core-only cpu.stat of this host's unified mount).
 */
class CgroupV2StatsTest {

    @Test
    void readsCpuMemoryLimitPidsAndPressureOfAFakeV2Tree(@TempDir Path root) {
        CgroupTrees.v2(root);
        CgroupTrees.v2Cgroup(root, "glean", 8_264_113, 215_748_608L, 20_971_520L, 33_554_432L, 4_194_304L);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertInstanceOf(CgroupV2Stats.class, s);

        // used = memory.current - (active_file + inactive_file); shmem counts as used
        assertEquals(Optional.of(new CgroupUsage(8_264_113_000L, 215_748_608L - 54_525_952L, 54_525_952L)),
                s.usage("glean"));
        assertEquals(Optional.of(new CpuThrottling(1223, 310, 9_875_312_000L)), s.throttling("glean"));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), s.memoryLimit("glean"));
        assertEquals(OptionalLong.of(3), s.pidsCurrent("glean"));
        CgroupPressure p = s.pressure("glean");
        assertEquals(new Pressure(3.0, 1.5, 5000, 2500), p.cpu());
        assertEquals(new Pressure(0.25, 0, 900, 100), p.io());
    }

    @Test
    void parsesTheRealFullCpuStatFormat(@TempDir Path root) {
        CgroupTrees.v2(root);
        Fixtures.write(root, "glean/cpu.stat", Fixtures.resource("cgroup-v2/cpu.stat"));
        Fixtures.write(root, "glean/memory.max", "1073741824\n");
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(Optional.of(new CgroupUsage(8_264_113_000L, 0, 0)), s.usage("glean"));
        assertEquals(OptionalLong.of(1L << 30), s.memoryLimit("glean"));
    }

    @Test
    void cgroupWithoutCpuOrMemoryControllerStillHasCpuTime(@TempDir Path root) {
        // the real cpu.stat of a cgroup in this host's cgroup2 mount, where no controller is enabled
        CgroupTrees.v2(root);
        Fixtures.write(root, "glean/job-1/cpu.stat", Fixtures.resource("cgroup-v2/cpu.stat-core-only"));
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(Optional.of(new CgroupUsage(77_420_000L, 0, 0)), s.usage("glean/job-1"));
        assertEquals(Optional.of(CpuThrottling.NONE), s.throttling("glean/job-1"));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), s.memoryLimit("glean/job-1"));
        assertEquals(OptionalLong.empty(), s.pidsCurrent("glean/job-1"));
        assertEquals(CgroupPressure.NONE, s.pressure("glean/job-1"));
    }

    @Test
    void missingCgroupIsEmpty(@TempDir Path root) {
        CgroupTrees.v2(root);
        CgroupStats s = CgroupStats.of(CgroupHost.detect(root, "glean"));
        assertEquals(Optional.empty(), s.usage("glean"));
        assertEquals(Optional.empty(), s.throttling("glean"));
        assertEquals(OptionalLong.empty(), s.memoryLimit("glean"));
    }
}
