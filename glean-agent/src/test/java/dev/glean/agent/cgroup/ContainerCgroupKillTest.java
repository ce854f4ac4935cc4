package dev.glean.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ContainerCgroup#killAll} on the real host (root, cgroup v1 with the hybrid cgroup2): a container cgroup
 * like runc's (cpu, freezer and unified/ leaves) holding a shell that keeps forking children, frozen by the guard
 * through cgroup2's freezer, is emptied from the calling thread, with no process spawned.
 */
class ContainerCgroupKillTest {
    private final List<Path> made = new ArrayList<>();
    private Process started;

    @AfterEach
    void cleanUp() throws Exception {
        if (started != null) {
            started.destroyForcibly();
            started.waitFor();
        }
        for (int i = made.size() - 1; i >= 0; i--) {
            for (int tries = 0; ; tries++) {
                try {
                    Files.deleteIfExists(made.get(i));
                    break;
                } catch (FileSystemException busy) {
                    if (tries >= 100) {
                        throw busy;
                    }
                    Thread.sleep(20); // a killed process leaves its cgroup a moment after it ends
                }
            }
        }
    }

    private Path mkdir(Path p) throws Exception {
        Files.createDirectories(p);
        made.add(p);
        return p;
    }

    @Test
    void everyProcessIsKilledEvenFrozenAndForking() throws Exception {
        CgroupHost host = CgroupHost.detect(Path.of("/sys/fs/cgroup"), "glean-test-kill-" + ProcessHandle.current().pid());
        assumeTrue(host.mode() == CgroupHost.Mode.V1 && Files.isWritable(host.v1Root("cpu").resolve("cgroup.procs")),
                "needs root and cgroup v1");
        String join = ContainerLeaves.joinPrefix(host, "c1", this::mkdir);
        // A parent that forks a short-lived child again and again, plus one long-lived child.
        started = new ProcessBuilder("sh", "-c", join + "sleep 300 & while :; do sh -c 'true'; done").start();
        ContainerCgroup c1 = new ContainerCgroup(host, "c1");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (c1.pids().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(c1.pids().size() >= 2, "the shell and its sleep run in the container's cgroup: " + c1.pids());
        Optional<CgroupFile> freeze = c1.unifiedDir().map(d -> CgroupFile.of(d, "cgroup.freeze")).filter(CgroupFile::exists);
        freeze.ifPresent(f -> f.write("1")); // as the guard freezes a container

        List<Long> killed = c1.killAll();
        assertFalse(killed.isEmpty(), "it signalled the processes it saw");
        deadline = System.nanoTime() + 5_000_000_000L;
        while (!c1.pids().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), c1.pids(), "nothing left in the container's cgroup");
        assertTrue(started.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the shell ended");
        assertEquals(137, started.exitValue(), "by SIGKILL");
        assertEquals("THAWED", CgroupFile.of(c1.v1Dir("freezer"), "freezer.state").read(), "the v1 freezer is left thawed");
        freeze.ifPresent(f -> assertEquals("0", f.read(), "and the cgroup2 one too"));
    }
}
