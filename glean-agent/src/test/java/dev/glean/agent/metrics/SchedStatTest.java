package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedStatTest {

    @Test
    void parsesCpuTimeRunQueueWaitAndSlices() {
        assertEquals(new SchedStat(707716, 484800, 2), SchedStat.parse("707716 484800 2\n"));
        assertThrows(IllegalArgumentException.class, () -> SchedStat.parse("1 2\n"));
    }

    @Test
    void processSumsAllThreadsOfAFakeProcTree(@TempDir Path proc) {
        Fixtures.write(proc, "42/schedstat", "100 10 1\n");
        Fixtures.write(proc, "42/task/42/schedstat", "100 10 1\n");
        Fixtures.write(proc, "42/task/43/schedstat", "5000 700 9\n");
        Fixtures.write(proc, "42/task/44/schedstat", "20 3 2\n");
        assertEquals(Optional.of(new SchedStat(100, 10, 1)), SchedStat.readThread(proc, 42));
        assertEquals(Optional.of(new SchedStat(5120, 713, 12)), SchedStat.readProcess(proc, 42));
        assertEquals(Optional.empty(), SchedStat.readThread(proc, 7));
        assertEquals(Optional.empty(), SchedStat.readProcess(proc, 7));
    }

    @Test
    void onThisHostProcSchedstatOfAPidCoversOnlyItsMainThread() throws Exception {
        Path proc = Path.of("/proc");
        long pid = ProcessHandle.current().pid();
        assumeTrue(Files.exists(proc.resolve(pid + "/schedstat")), "no /proc/<pid>/schedstat here");
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.concurrent.atomic.AtomicLong spun = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        Thread spinner = new Thread(() -> {
            long x = 0;
            while (mx.getCurrentThreadCpuTime() < 150_000_000L) { // 150 ms of CPU, however long that takes
                x += System.nanoTime() & 1;
            }
            spun.set(mx.getCurrentThreadCpuTime() + (x == 42 ? 1 : 0));
            done.countDown();
            try {
                read.await(); // stay alive while the test reads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        spinner.start();
        done.await();
        SchedStat thread = SchedStat.readThread(proc, pid).orElseThrow();
        SchedStat process = SchedStat.readProcess(proc, pid).orElseThrow();
        read.countDown();
        spinner.join();
        long spinnerCpu = spun.get();
        assertTrue(process.cpuNanos() >= spinnerCpu * 9 / 10, "the spinning thread's CPU is in the sum: " + process
                + " vs " + spinnerCpu);
        assertTrue(process.cpuNanos() - thread.cpuNanos() >= spinnerCpu * 9 / 10,
                "the main thread's file misses the spinning thread: " + thread + " vs " + process);
    }
}
