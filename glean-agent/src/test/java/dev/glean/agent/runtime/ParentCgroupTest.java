package dev.glean.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.cgroup.CgroupCleaner;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ParentCgroup;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.resources.Bytes;
import dev.glean.core.runtime.ParentLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParentCgroup} and {@link CgroupCleaner} on directory trees laid out like cgroupfs (the kernel's
 * files are pre-created: plain directories do not grow them). The real hierarchies are covered by
 * {@link RuncRuntimeTest}; this covers the v2-only layout this machine does not have, and the write order.
 */
class ParentCgroupTest {
    private static final String UNLIMITED = "9223372036854771712";
    @TempDir
    Path root;

    private static void write(Path root, String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static String read(Path root, String rel) throws IOException {
        return Files.readString(root.resolve(rel)).trim();
    }

    @Test
    void v2OnlyHostEnablesControllersAndSetsIdleAndLimits() throws Exception {
        write(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
        write(root, "cgroup.subtree_control", "memory\n");
        write(root, "cgroup.procs", "1\n");
        for (String f : List.of("cgroup.subtree_control", "cpu.idle", "cpu.weight", "memory.max", "pids.max", "io.weight")) {
            write(root, "glean/" + f, "");
        }
        CgroupHost host = CgroupHost.detect(root, "glean");
        assertEquals(CgroupHost.Mode.V2, host.mode());
        new ParentCgroup(host).apply(new ParentLimits(Bytes.ofMiB(1024), 300));

        assertEquals("+cpu +pids +io", read(root, "cgroup.subtree_control"), "only what the root lacks");
        assertEquals("+cpu +memory +pids +io", read(root, "glean/cgroup.subtree_control"));
        assertEquals("1", read(root, "glean/cpu.idle"));
        assertEquals("", read(root, "glean/cpu.weight"), "cpu.idle makes the weight moot");
        assertEquals("1073741824", read(root, "glean/memory.max"));
        assertEquals("300", read(root, "glean/pids.max"));
        assertEquals("default 1", read(root, "glean/io.weight"));

        new ParentCgroup(host).apply(new ParentLimits(null, 0));
        assertEquals("max", read(root, "glean/memory.max"));
        assertEquals("max", read(root, "glean/pids.max"));
    }

    @Test
    void v2WithoutCpuIdleUsesTheLowestWeight() throws Exception {
        write(root, "cgroup.controllers", "cpu memory pids\n");
        write(root, "cgroup.subtree_control", "");
        write(root, "glean/cgroup.subtree_control", "");
        write(root, "glean/cpu.weight", "100");
        new ParentCgroup(CgroupHost.detect(root, "glean")).ensureCreated();
        assertEquals("1", read(root, "glean/cpu.weight"));
    }

    private CgroupHost v1Host() throws IOException {
        for (String c : List.of("cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices", "cpuset", "systemd", "unified")) {
            write(root, c + "/cgroup.procs", "1\n");
        }
        write(root, "cpuset/cpuset.cpus", "0-3\n");
        write(root, "cpuset/cpuset.mems", "0\n");
        write(root, "cpuset/glean/cpuset.cpus", "");
        write(root, "cpuset/glean/cpuset.mems", "");
        write(root, "cpu/glean/cpu.idle", "0\n");
        write(root, "cpu/glean/cpu.shares", "1024\n");
        write(root, "memory/glean/memory.limit_in_bytes", UNLIMITED + "\n");
        write(root, "memory/glean/memory.memsw.limit_in_bytes", UNLIMITED + "\n");
        write(root, "pids/glean/pids.max", "max\n");
        return CgroupHost.detect(root, "glean");
    }

    @Test
    void v1ParentInEveryHierarchyWithCpusetCopiedAndMemswKeptAboveTheLimit() throws Exception {
        CgroupHost host = v1Host();
        ParentCgroup parent = new ParentCgroup(host);
        parent.apply(new ParentLimits(Bytes.ofMiB(512), 100));
        for (String c : List.of("cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices", "cpuset", "unified")) {
            assertTrue(Files.isDirectory(root.resolve(c).resolve("glean")), c);
        }
        assertEquals("0-3", read(root, "cpuset/glean/cpuset.cpus"));
        assertEquals("0", read(root, "cpuset/glean/cpuset.mems"));
        assertEquals("1", read(root, "cpu/glean/cpu.idle"));
        assertEquals(String.valueOf(512L << 20), read(root, "memory/glean/memory.limit_in_bytes"));
        assertEquals(String.valueOf(512L << 20), read(root, "memory/glean/memory.memsw.limit_in_bytes"));
        assertEquals("100", read(root, "pids/glean/pids.max"));

        parent.apply(new ParentLimits(Bytes.ofMiB(256), 100)); // lower: limit first, then memsw
        assertEquals(String.valueOf(256L << 20), read(root, "memory/glean/memory.limit_in_bytes"));
        assertEquals(String.valueOf(256L << 20), read(root, "memory/glean/memory.memsw.limit_in_bytes"));
        parent.apply(new ParentLimits(Bytes.ofMiB(2048), 100)); // raise: memsw first, then the limit
        assertEquals(String.valueOf(2048L << 20), read(root, "memory/glean/memory.limit_in_bytes"));
        assertEquals(String.valueOf(2048L << 20), read(root, "memory/glean/memory.memsw.limit_in_bytes"));
        parent.ensureCreated(); // already complete: touches nothing
        assertEquals(String.valueOf(2048L << 20), read(root, "memory/glean/memory.limit_in_bytes"));
    }

    @Test
    void aRefusedLimitLeavesMemswAsItWas() throws Exception {
        // A file root can read but not write: the limit write fails after memsw was raised, which is undone.
        Path readOnly = Path.of("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
        assumeTrue(Files.isReadable(readOnly), "needs a read-only number in sysfs");
        CgroupHost host = v1Host();
        Path limit = root.resolve("memory/glean/memory.limit_in_bytes");
        Files.delete(limit);
        Files.createSymbolicLink(limit, readOnly);
        GleanException e = assertThrows(GleanException.class,
                () -> new ParentCgroup(host).apply(new ParentLimits(Bytes.ofMiB(4096), 100)));
        assertEquals(ErrorCode.RUNTIME_ERROR, e.code());
        assertTrue(e.getMessage().contains("previous limit stays"), e.getMessage());
        assertEquals(UNLIMITED, read(root, "memory/glean/memory.memsw.limit_in_bytes"));
    }

    @Test
    void cleanerRemovesALeafEverywhereButNotTheParent() throws Exception {
        CgroupHost host = v1Host();
        for (Path h : host.hierarchies()) {
            Files.createDirectories(host.containerDir(h, "c1"));
        }
        assertEquals(10, host.hierarchies().size());
        new CgroupCleaner(host).removeContainer("c1");
        new CgroupCleaner(host).removeContainer("c1"); // idempotent
        for (Path h : host.hierarchies()) {
            assertTrue(Files.notExists(host.containerDir(h, "c1")), h.toString());
        }
        assertTrue(Files.isDirectory(root.resolve("memory/glean")));
    }
}
