package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostSampler} on this machine's real /proc and cgroupfs. Asserts relations that would fail if a reader
 * were wrong (not copied values): the busy loop's CPU shows in the host rate, MemTotal matches an independent
 * parse, a thread moved into a real cgroup shows up in that cgroup's rate, page cache written by a process in a
 * real memory cgroup is reported as cache and not as used memory.
 */
class HostSamplerRealHostTest {
    private static final Path PROC = Path.of("/proc");
    private static final Path CGROUP = Path.of("/sys/fs/cgroup");

    @Test
    void busyLoopInThisJvmShowsInHostCpu() throws Exception {
        assumeTrue(Files.isReadable(PROC.resolve("stat")), "needs Linux /proc");
        // a parent name nobody uses: the parent and the container do not exist
        CgroupHost host = CgroupHost.detect(CGROUP, "glean-metrics-absent-" + System.nanoTime());
        HostSampler sampler = HostSampler.create(PROC, host, Clock.systemUTC());
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        NodeSample before = sampler.sample(List.of("nothing-here"));
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        // 300 ms of this thread's CPU, however long the other load on the machine makes that take
        while (mx.getCurrentThreadCpuTime() - cpu0 < 300_000_000L && System.nanoTime() - t0 < 10_000_000_000L) {
            spin(1_000_000L);
        }
        long ownCpu = mx.getCurrentThreadCpuTime() - cpu0;
        long wall = System.nanoTime() - t0;
        NodeSample after = sampler.sample(List.of("nothing-here"));

        long ownMillicores = ownCpu * 1000 / wall;
        assertTrue(ownCpu >= 300_000_000L, "the busy loop ran: " + ownCpu + " ns");
        // the host ran at least this thread (minus jiffy rounding over ~0.4 s and sampling offsets)
        assertTrue(after.hostCpu().value() >= ownMillicores * 8 / 10,
                "host " + after.hostCpu() + " vs this thread " + ownMillicores + "m");
        assertTrue(after.hostCpu().value() <= after.cpus() * 1000L);
        assertTrue(after.hostBusySeconds() - before.hostBusySeconds() >= ownCpu / 1e9 * 0.8,
                "busy seconds grew by the loop's CPU time");
        assertTrue(after.hostIdleSeconds() >= before.hostIdleSeconds());
        assertTrue(after.at().isAfter(before.at()));

        // memory and CPU count against independent parses of the same files
        long memTotalKb = Files.readAllLines(PROC.resolve("meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal:")).map(l -> l.replaceAll("\\D", "")).mapToLong(Long::parseLong)
                .findFirst().orElseThrow();
        assertEquals(memTotalKb * 1024, after.memoryTotal().value());
        assertTrue(after.memoryAvailable().value() > 0);
        assertTrue(after.memoryAvailable().compareTo(after.memoryTotal()) <= 0);
        long cpuLines = Files.readAllLines(PROC.resolve("stat")).stream().filter(l -> l.matches("cpu\\d+ .*")).count();
        assertEquals(cpuLines, after.cpus());

        // no parent, no container: zeros and nothing listed, no exception
        assertEquals(0.0, after.secondaryCpuSeconds());
        assertTrue(after.containers().isEmpty());
        // /proc is procfs: the host files are kept open between samples
        assertTrue(sampler.openFileCount() >= 2, "kept open: " + sampler.openFileCount());
        sampler.close();

        if (Files.exists(PROC.resolve("pressure/cpu"))) {
            assertTrue(after.cpuPressure().someTotalMicros() >= before.cpuPressure().someTotalMicros());
            assertTrue(after.cpuPressure().someAvg10() >= 0 && after.cpuPressure().someAvg10() <= 100);
        }
    }

    /**
     * Makes a real parent and container cgroup in this v1 host's cpuacct and memory hierarchies (under a unique
     * name, removed afterwards), moves a spinning thread of this JVM into the container's cpuacct cgroup, and
     * lets a shell in the container's memory cgroup write a 48 MiB file (page cache charged to it).
     */
    @Test
    void threadInARealV1CgroupShowsInContainerAndParent(@TempDir Path tmp) throws Exception {
        assumeFalse(Boolean.getBoolean("glean.it.skip"), "glean.it.skip");
        CgroupHost probe = CgroupHost.detect();
        assumeTrue(probe.mode() == CgroupHost.Mode.V1, "this test drives v1 hierarchies");
        assumeTrue(Files.isWritable(probe.v1Root("cpuacct")) && Files.isWritable(probe.v1Root("memory")),
                "needs root and writable v1 cpuacct and memory hierarchies");
        String parent = "glean-metrics-test-" + ProcessHandle.current().pid();
        CgroupHost host = new CgroupHost(CGROUP, CgroupHost.Mode.V1, parent);
        Path acctParent = host.v1Parent("cpuacct");
        Path memParent = host.v1Parent("memory");
        Path acctC1 = acctParent.resolve("c1");
        Path memC1 = memParent.resolve("c1");
        List<Path> made = new ArrayList<>();
        AtomicLong tid = new AtomicLong();
        AtomicLong spinnerCpu = new AtomicLong();
        CountDownLatch moved = new CountDownLatch(1);
        AtomicReference<Boolean> stop = new AtomicReference<>(false);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Thread spinner = new Thread(() -> {
            try {
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                tid.set(Long.parseLong(self.substring(self.lastIndexOf('/') + 1)));
                moved.await();
                long start = mx.getCurrentThreadCpuTime();
                long wallStart = System.nanoTime();
                // 200 ms of CPU (however long that takes under other load), at most 10 s
                while (!stop.get() && mx.getCurrentThreadCpuTime() - start < 200_000_000L
                        && System.nanoTime() - wallStart < 10_000_000_000L) {
                    spin(1_000_000L);
                }
                spinnerCpu.set(mx.getCurrentThreadCpuTime() - start);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            for (Path p : List.of(acctParent, acctC1, memParent, memC1)) {
                Files.createDirectory(p);
                made.add(p);
            }
            spinner.start();
            while (tid.get() == 0) {
                Thread.sleep(1);
            }
            Files.writeString(acctC1.resolve("tasks"), Long.toString(tid.get()));
            Files.writeString(memC1.resolve("memory.limit_in_bytes"), Long.toString(1L << 30));
            Path file = tmp.resolve("cache.bin");
            Process sh = new ProcessBuilder("sh", "-c", "echo $$ > " + memC1.resolve("cgroup.procs")
                    + " && head -c 50331648 /dev/zero > " + file + " && sync").inheritIO().start();
            assertEquals(0, sh.waitFor());

            HostSampler sampler = HostSampler.create(PROC, host, Clock.systemUTC());
            NodeSample before = sampler.sample(List.of("c1", "never-made"));
            moved.countDown();
            spinner.join(); // it has spun 200 ms of CPU inside c1
            NodeSample after = sampler.sample(List.of("c1", "never-made"));

            ContainerUsage c1 = after.containers().get("c1");
            assertEquals(List.of("c1"), List.copyOf(after.containers().keySet()));
            double c1Grew = c1.cpuSeconds() - before.containers().get("c1").cpuSeconds();
            double spun = spinnerCpu.get() / 1e9;
            assertTrue(spun >= 0.2, "spinner ran " + spun);
            // the spinner is the only task in c1: c1's counter grew by the spinner's own CPU time
            assertTrue(c1Grew >= spun * 0.9 && c1Grew <= spun + 0.02, "c1 grew " + c1Grew + " s, spinner ran " + spun);
            double elapsed = java.time.Duration.between(before.at(), after.at()).toNanos() / 1e9;
            assertEquals(c1Grew / elapsed * 1000, c1.cpu().value(), 2.0, "rate = growth / time between samples");
            assertTrue(after.secondaryCpu().value() >= c1.cpu().value() - 2, "the parent includes c1");
            assertTrue(after.secondaryCpuSeconds() >= c1.cpuSeconds());
            assertTrue(after.hostBusySeconds() - before.hostBusySeconds() >= c1Grew * 0.8, "the host includes c1");
            // the 48 MiB file is page cache charged to c1 (and so to the parent), not used memory
            assertTrue(c1.pageCache().value() >= 40L << 20, "page cache " + c1.pageCache());
            assertTrue(c1.memory().value() < 16L << 20, "used without cache " + c1.memory());
            assertTrue(after.secondaryPageCache().value() >= c1.pageCache().value());

            CgroupStats stats = sampler.cgroupStats();
            assertEquals(java.util.OptionalLong.of(1L << 30), stats.memoryLimit(parent + "/c1"));
            assertEquals(java.util.OptionalLong.of(Long.MAX_VALUE), stats.memoryLimit(parent));
            assertEquals(c1.pageCache().value() + c1.memory().value(),
                    Long.parseLong(Files.readString(memC1.resolve("memory.usage_in_bytes")).trim()), 1 << 20,
                    "used + cache = the charged memory");

            // remove c1 (its only task, the spinner, has ended): the kept descriptors fail with ENODEV and the
            // container is skipped, not an error; its files are closed
            int keptWithC1 = sampler.openFileCount();
            rmdirWithRetry(acctC1);
            rmdirWithRetry(memC1);
            NodeSample gone = sampler.sample(List.of("c1"));
            assertTrue(gone.containers().isEmpty());
            assertTrue(gone.secondaryCpuSeconds() >= after.secondaryCpuSeconds(), "the parent keeps its counter");
            assertEquals(keptWithC1 - 3, sampler.openFileCount());
            sampler.close();
        } finally {
            stop.set(true);
            moved.countDown();
            spinner.join();
            // the thread has ended, so c1 is empty; the shell has exited. Remove child before parent.
            for (int i = made.size() - 1; i >= 0; i--) {
                Path p = made.get(i);
                if (!p.equals(acctParent) && !p.equals(memParent)) {
                    rmdirWithRetry(p);
                }
            }
            for (Path p : List.of(acctParent, memParent)) {
                if (made.contains(p)) {
                    rmdirWithRetry(p);
                }
            }
        }
    }

    @Test
    void cgroupPressureOnThisHostComesFromTheCgroup2Hierarchy() throws Exception {
        CgroupHost host = CgroupHost.detect();
        Path unified = host.unifiedRoot().orElse(null);
        assumeTrue(unified != null && Files.exists(unified.resolve("cpu.pressure")), "no cgroup2 PSI here");
        String line = Files.readAllLines(unified.resolve("cpu.pressure")).get(0); // some avg10=.. total=N
        long totalBefore = Long.parseLong(line.substring(line.indexOf("total=") + 6).trim());
        CgroupPressure p = CgroupStats.of(host).pressure("/");
        assertTrue(p.cpu().someTotalMicros() >= totalBefore, p + " vs " + line);
        assertTrue(p.cpu().someTotalMicros() > 0, "this busy host has stalled on CPU at some point since boot");
    }

    private static void rmdirWithRetry(Path p) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            try {
                Files.deleteIfExists(p);
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(20); // an exited task can linger in the cgroup for a moment
            }
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() & 1;
        }
        if (x == 42) {
            System.out.print("");
        }
    }
}
