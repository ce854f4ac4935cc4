package dev.glean.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link AgentCpu} on the real host (root, a v1 cpu hierarchy): the process goes to an idle-class cgroup of its own,
 * threads started afterwards follow it, and the thread that asks goes back. This test moves its own JVM and puts
 * it back.
 */
class AgentCpuTest {

    private static String cpuCgroupOf(long tid) {
        return AgentCpu.cpuCgroup(CgroupHost.detect(), Path.of("/proc/self/task/" + tid + "/cgroup"));
    }

    private static long tid() throws Exception {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    @Test
    void theProcessRunsInTheIdleClassButTheThreadThatAsksGoesBack() throws Exception {
        CgroupHost host = CgroupHost.detect(Path.of("/sys/fs/cgroup"), "glean-test-" + ProcessHandle.current().pid());
        assumeTrue(host.mode() == CgroupHost.Mode.V1 && Files.isWritable(host.v1Root("cpu").resolve("cgroup.procs")),
                "needs root and a v1 cpu hierarchy");
        String before = cpuCgroupOf(tid());
        Optional<AgentCpu> applied = AgentCpu.apply(host);
        assertTrue(applied.isPresent());
        AgentCpu cpu = applied.get();
        try {
            String own = "/" + AgentCpu.name(host);
            assertEquals(host.v1Root("cpu").resolve(AgentCpu.name(host)), cpu.cgroup());
            assertEquals(own, cpuCgroupOf(tid()), "the calling thread moved with the process");
            CgroupFile idle = CgroupFile.of(cpu.cgroup(), "cpu.idle");
            if (idle.exists()) {
                assertEquals("1", idle.read());
            } else {
                assertEquals("2", CgroupFile.of(cpu.cgroup(), "cpu.shares").read());
            }
            AtomicReference<String> later = new AtomicReference<>();
            AtomicReference<String> guard = new AtomicReference<>();
            Thread t1 = Thread.ofPlatform().start(() -> {
                try {
                    later.set(cpuCgroupOf(tid()));
                } catch (Exception e) {
                    later.set(e.toString());
                }
            });
            t1.join();
            assertEquals(own, later.get(), "a thread started afterwards inherits the idle class");
            Thread t2 = Thread.ofPlatform().start(() -> {
                try {
                    cpu.keepThreadHere();
                    guard.set(cpuCgroupOf(tid()));
                } catch (Exception e) {
                    guard.set(e.toString());
                }
            });
            t2.join();
            assertEquals(before, guard.get(), "the guard's thread goes back where the process was");
            assertEquals(own, cpuCgroupOf(tid()), "and only that thread");
        } finally {
            cpu.undo();
        }
        assertEquals(before, cpuCgroupOf(tid()), "undo puts the process back");
        assertFalse(Files.exists(cpu.cgroup()), "and removes the cgroup");
    }
}
