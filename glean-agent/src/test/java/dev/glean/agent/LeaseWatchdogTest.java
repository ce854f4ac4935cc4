package dev.glean.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog's script with a hand-written runc (a shell script that lists one running container and records what
 * it is asked): nothing while the lease holds, the container marked, resumed and KILLed once it is over by the slack.
 */
class LeaseWatchdogTest {
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        LeaseWatchdog.stop(dir.resolve("state"));
    }

    @Test
    void killsOnlyOnceTheLeaseIsOverBySlack() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path calls = dir.resolve("calls");
        Path runc = dir.resolve("runc");
        Files.writeString(runc, """
                #!/bin/sh
                # args: --root ROOT VERB ...
                shift 2
                case "$1" in
                    list) echo c1 ;;
                    state) echo '{"id": "c1", "status": "running"}' ;;
                    *) echo "$*" >> "%s" ;;
                esac
                """.formatted(calls));
        Files.setPosixFilePermissions(runc, PosixFilePermissions.fromString("rwx------"));
        Path lease = state.resolve("lease");
        Files.writeString(lease, Long.toString(System.currentTimeMillis() + 60_000));
        long pid = LeaseWatchdog.ensureRunning(state, lease, runc, dir.resolve("runc-root"), Duration.ofMillis(500));
        for (int i = 0; i < 100 && LeaseWatchdog.running(state).isEmpty(); i++) {
            Thread.sleep(20); // its pid file is written by the process itself
        }
        assertEquals(pid, LeaseWatchdog.ensureRunning(state, lease, runc, dir.resolve("runc-root"), Duration.ofMillis(500)),
                "one watchdog per state directory");
        Thread.sleep(2500);
        assertFalse(Files.exists(calls), "nothing killed while the lease holds");
        assertFalse(LeaseWatchdog.killed(state, "c1"));

        Files.writeString(lease, Long.toString(System.currentTimeMillis() - 600));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!(Files.exists(calls) && Files.readAllLines(calls).size() >= 2) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(LeaseWatchdog.killed(state, "c1"), "marked as stopped for the lease");
        List<String> asked = Files.readAllLines(calls);
        assertEquals("resume c1", asked.get(0));
        assertEquals("kill --all c1 KILL", asked.get(1));
        assertTrue(LeaseWatchdog.running(state).isPresent());
    }
}
