package dev.glean.agent.runtime;

import static dev.glean.agent.runtime.RuncTestHost.spec;
import static dev.glean.agent.runtime.RuncTestHost.uniqueId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Bytes;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ParentLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile jobs against the per-job limits, with real runc: one fills its /work and /tmp, one writes its log without
 * end. The disk limit is a filesystem of its own per job (JobDisk), the log limit conmon's --log-size-max.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobLimitsTest {
    private static final long DISK = 64L << 20;
    private static final long LOG = 1L << 20;
    private RuncTestHost host;
    private RuncRuntime rt;

    @BeforeAll
    void setUp() throws Exception {
        host = RuncTestHost.open(s -> s.withJobLimits(new Bytes(DISK), new Bytes(LOG)));
        rt = host.runtime;
        rt.configureParent(new ParentLimits(Bytes.ofMiB(1024), 500));
    }

    @AfterAll
    void tearDown() throws Exception {
        if (host != null) {
            host.close();
            assertEquals(List.of(), host.parentCgroups());
        }
    }

    @Test
    void aJobThatFillsItsWorkAndTmpGetsNoSpaceLeftAndTheHostDiskKeepsItsSpace() throws Exception {
        String id = uniqueId("fill");
        FileStore hostDisk = Files.getFileStore(host.base);
        long freeBefore = hostDisk.getUsableSpace();
        // Far more than the limit, in both writable places; each dd must stop at ENOSPC, not at its count.
        rt.start(spec(id, List.of("sh", "-c", "dd if=/dev/zero of=/work/big bs=1M count=1024;"
                + " dd if=/dev/zero of=/tmp/big bs=1M count=1024; df -k /work /tmp; sleep 30")));
        Path log = host.settings.stateDir().resolve(id).resolve("container.log");
        RuncTestHost.await(() -> read(log).contains("/tmp"), Duration.ofSeconds(60), "both writes ended");
        String out = read(log);
        assertEquals(2, out.split("No space left on device", -1).length - 1, "both writes stopped at the limit: " + out);
        Path image = host.settings.stateDir().resolve(id).resolve("disk.img");
        long allocated = Long.parseLong(command("du", "-k", image.toString()).get(0).split("\\s+")[0]) << 10;
        assertTrue(allocated <= DISK + (4L << 20), "the host holds at most the job's disk: " + allocated + " bytes");
        long freeDuring = hostDisk.getUsableSpace();
        // Other builds share this disk: allow them 512 MiB of their own; the job wrote 2 GiB without its limit.
        assertTrue(freeBefore - freeDuring < DISK + (512L << 20), (freeBefore - freeDuring) + " bytes of the host's disk used");
        assertTrue(JobDisk.mounted(host.settings.stateDir().resolve(id).resolve("disk")));

        rt.stop(id, Duration.ZERO);
        rt.remove(id);
        assertFalse(JobDisk.mounted(host.settings.stateDir().resolve(id).resolve("disk")), "unmounted on removal");
        assertFalse(Files.exists(host.settings.stateDir().resolve(id)), "image and directory gone");
        assertTrue(loopDevicesOf(image).isEmpty(), "no loop device left: " + loopDevicesOf(image));
    }

    @Test
    void aJobThatLogsWithoutEndKeepsItsLogBounded() throws Exception {
        String id = uniqueId("chatty");
        rt.start(spec(id, List.of("sh", "-c", "yes 'a line of a chatty job that never stops talking'")));
        Path log = host.settings.stateDir().resolve(id).resolve("container.log");
        // Idle-class jobs run slowly on a busy machine: first let it write a good part of the limit.
        RuncTestHost.await(() -> read(log).length() > LOG / 2, Duration.ofSeconds(60), "the job to write");
        long most = 0;
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            most = Math.max(most, Files.exists(log) ? Files.size(log) : 0);
            Thread.sleep(20);
        }
        ContainerInfo info = host.info(rt, id);
        assertEquals(ContainerPhase.RUNNING, info.phase(), "still talking");
        // conmon starts the file afresh past the limit; one write may overshoot it by its buffer.
        assertTrue(most > 0 && most <= LOG + (64L << 10), "the log stayed within " + LOG + " bytes: " + most);
        assertTrue(rt.logSize(id) <= LOG + (64L << 10));
        rt.stop(id, Duration.ZERO);
        rt.remove(id);
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> loopDevicesOf(Path image) throws IOException, InterruptedException {
        return command("losetup", "-j", image.toString());
    }

    private static List<String> command(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }
}
