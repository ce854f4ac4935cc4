package dev.glean.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.IoLimit;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CgroupControls} on directory trees laid out like cgroupfs (the real v1 host: GuardRealHostTest). */
class CgroupControlsTest {
    private static final String UNLIMITED = "9223372036854771712";
    @TempDir
    Path root;

    private void write(String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private String read(String rel) throws IOException {
        return Files.readString(root.resolve(rel)).trim();
    }

    @Test
    void v1ConfinedCapSetsTheLastCpusOnTheParentAndEveryContainer() throws Exception {
        write("cpu/cgroup.procs", "1\n");
        write("cpu/glean/cpu.cfs_period_us", "100000\n");
        write("cpu/glean/cpu.cfs_quota_us", "-1\n");
        write("cpuset/cgroup.procs", "1\n");
        write("cpuset/cpuset.effective_cpus", "0-3\n");
        write("cpuset/glean/cpuset.cpus", "0-3\n");
        write("cpuset/glean/c1/cpuset.cpus", "0-3\n");
        CgroupControls controls = new CgroupControls(CgroupHost.detect(root, "glean"), Duration.ofMillis(10), true);

        controls.setCpuCap(new CpuCap.Limit(new Millicores(1500)));
        assertEquals("10000", read("cpu/glean/cpu.cfs_period_us"));
        assertEquals("15000", read("cpu/glean/cpu.cfs_quota_us"));
        assertEquals("2-3", read("cpuset/glean/cpuset.cpus"), "1.5 CPUs need the last two CPUs");
        assertEquals("2-3", read("cpuset/glean/c1/cpuset.cpus"));

        write("cpuset/glean/c2/cpuset.cpus", "2-3\n"); // runc copies the parent's
        controls.containers(List.of("c1", "c2"));
        controls.setCpuCap(new CpuCap.Limit(new Millicores(400)));
        assertEquals("3", read("cpuset/glean/cpuset.cpus"));
        assertEquals("3", read("cpuset/glean/c1/cpuset.cpus"));
        assertEquals("3", read("cpuset/glean/c2/cpuset.cpus"));

        controls.setCpuCap(CpuCap.UNLIMITED);
        assertEquals("0-3", read("cpuset/glean/cpuset.cpus"));
        assertEquals("0-3", read("cpuset/glean/c2/cpuset.cpus"));
        assertEquals("-1", read("cpu/glean/cpu.cfs_quota_us"));
    }

    @Test
    void cpuListsRoundTrip() {
        assertEquals(List.of(0, 1, 2, 3, 6, 8, 9), CgroupControls.cpuList("0-3,6,8-9\n"));
        assertEquals("0-3,6,8-9", CgroupControls.cpuText(List.of(0, 1, 2, 3, 6, 8, 9)));
        assertEquals("1", CgroupControls.cpuText(List.of(1)));
    }

    @Test
    void v1CpuQuotaOnTheParentIoSharesPerContainerAndMemoryInTheSafeOrder() throws Exception {
        for (String c : List.of("cpu", "blkio", "memory")) {
            write(c + "/cgroup.procs", "1\n");
        }
        write("cpu/glean/cpu.cfs_period_us", "100000\n");
        write("cpu/glean/cpu.cfs_quota_us", "-1\n");
        for (String id : List.of("c1", "c2", "c3")) {
            for (String f : List.of("read_bps", "write_bps", "read_iops", "write_iops")) {
                write("blkio/glean/" + id + "/blkio.throttle." + f + "_device", "");
            }
        }
        write("memory/glean/c1/memory.limit_in_bytes", "1073741824\n");
        write("memory/glean/c1/memory.memsw.limit_in_bytes", "1073741824\n");
        CgroupControls controls = new CgroupControls(CgroupHost.detect(root, "glean"), Duration.ofMillis(100));

        controls.setCpuCap(new CpuCap.Limit(new Millicores(250)));
        assertEquals("25000", read("cpu/glean/cpu.cfs_quota_us"));
        assertEquals(new CpuCap.Limit(new Millicores(250)), controls.cpuCap());
        controls.setCpuCap(new CpuCap.Limit(new Millicores(5)));
        assertEquals("1000", read("cpu/glean/cpu.cfs_quota_us"), "the kernel's 1 ms minimum");
        controls.setCpuCap(CpuCap.UNLIMITED);
        assertEquals("-1", read("cpu/glean/cpu.cfs_quota_us"));
        assertEquals(CpuCap.UNLIMITED, controls.cpuCap());

        controls.throttleIo("254:0", new IoLimit(100, 200, 30, 40), List.of("c1", "c2"));
        assertEquals("254:0 50", read("blkio/glean/c1/blkio.throttle.read_bps_device"));
        assertEquals("254:0 100", read("blkio/glean/c2/blkio.throttle.write_bps_device"));
        assertEquals("254:0 20", read("blkio/glean/c2/blkio.throttle.write_iops_device"));
        assertEquals("", read("blkio/glean/c3/blkio.throttle.read_bps_device"));
        controls.containers(List.of("c1", "c2", "c3")); // c3 started: everyone's share shrinks
        assertEquals("254:0 33", read("blkio/glean/c1/blkio.throttle.read_bps_device"));
        assertEquals("254:0 10", read("blkio/glean/c3/blkio.throttle.read_iops_device"));
        controls.unthrottleIo("254:0", List.of("c1", "c2", "c3"));
        assertEquals("254:0 0", read("blkio/glean/c3/blkio.throttle.write_iops_device"), "0 removes a v1 rule");

        controls.setMemoryLimit("c1", Bytes.ofMiB(300));
        assertEquals(String.valueOf(300L << 20), read("memory/glean/c1/memory.limit_in_bytes"));
        assertEquals(String.valueOf(300L << 20), read("memory/glean/c1/memory.memsw.limit_in_bytes"));
        controls.setMemoryLimit("c1", new Bytes(Long.MAX_VALUE));
        assertEquals(String.valueOf(Long.MAX_VALUE), read("memory/glean/c1/memory.memsw.limit_in_bytes"));
        assertEquals(String.valueOf(Long.MAX_VALUE), read("memory/glean/c1/memory.limit_in_bytes"));
        assertEquals(UNLIMITED.length(), read("memory/glean/c1/memory.limit_in_bytes").length());
    }

    @Test
    void v2CpuMaxIoMaxOnTheParentAndMemoryMax() throws Exception {
        write("cgroup.controllers", "cpu io memory pids\n");
        write("glean/cpu.max", "max 100000\n");
        write("glean/io.max", "");
        write("glean/c1/memory.max", "max\n");
        CgroupControls controls = new CgroupControls(CgroupHost.detect(root, "glean"), Duration.ofMillis(50));

        controls.setCpuCap(new CpuCap.Limit(new Millicores(1500)));
        assertEquals("75000 50000", read("glean/cpu.max"));
        assertEquals(new CpuCap.Limit(new Millicores(1500)), controls.cpuCap());
        controls.setCpuCap(CpuCap.UNLIMITED);
        assertEquals("max 50000", read("glean/cpu.max"));

        controls.throttleIo("8:0", new IoLimit(1, 2, 3, 4), List.of("c1"));
        assertEquals("8:0 rbps=1 wbps=2 riops=3 wiops=4", read("glean/io.max"));
        controls.unthrottleIo("8:0", List.of("c1"));
        assertEquals("8:0 rbps=max wbps=max riops=max wiops=max", read("glean/io.max"));

        controls.setMemoryLimit("c1", Bytes.ofMiB(64));
        assertEquals(String.valueOf(64L << 20), read("glean/c1/memory.max"));
    }
}
