package dev.glean.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.guard.GuardReadings.Disk;
import dev.glean.core.guard.GuardReadings.Stalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard's readers on fake /proc, /sys/block and cgroup2 trees (the real host: GuardRealHostTest). */
class GuardReadersTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    @TempDir
    Path root;

    private void write(String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** A /proc/PID: its stat (CPU ticks, threads, start time), cgroup line and per-thread run-queue wait (ms). */
    private void process(long pid, String comm, long cpuTicks, String cpuCgroup, long... threadWaitMs) throws IOException {
        List<String> f = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            f.add("0");
        }
        f.set(0, "S");
        f.set(11, Long.toString(cpuTicks)); // utime
        f.set(17, Long.toString(threadWaitMs.length)); // num_threads
        f.set(19, Long.toString(1000 + pid)); // starttime
        write("proc/" + pid + "/stat", pid + " (" + comm + ") " + String.join(" ", f) + "\n");
        write("proc/" + pid + "/cgroup", "12:pids:/\n4:cpu,cpuacct:" + cpuCgroup + "\n0::/\n");
        Path tasks = root.resolve("proc/" + pid + "/task");
        if (Files.isDirectory(tasks)) {
            try (var s = Files.list(tasks)) {
                for (Path t : s.toList()) {
                    Files.deleteIfExists(t.resolve("schedstat"));
                    Files.deleteIfExists(t);
                }
            }
        }
        for (int i = 0; i < threadWaitMs.length; i++) {
            write("proc/" + pid + "/task/" + (pid * 100 + i) + "/schedstat", "1000 " + threadWaitMs[i] * 1_000_000 + " 5\n");
        }
    }

    @Test
    void runQueueWaitSumsTheBusiestIncumbentsOnlyAndCountsOnlyWhatGrewSinceTheLastReading() throws Exception {
        CgroupHost host = new CgroupHost(root.resolve("cgroup"), CgroupHost.Mode.V1, "glean");
        process(10, "db (worker)", 500, "/", 100, 200);
        process(11, "cron", 5, "/system.slice/cron.service", 7);
        process(12, "idle", 0, "/", 1);
        process(20, "job", 9000, "/glean/g-1-0-1", 5000);
        process(99, "agent", 9000, "/", 5000);
        IncumbentRunQueue q = new IncumbentRunQueue(root.resolve("proc"), host, 99, Duration.ofSeconds(2), 2, 100);

        assertEquals(Duration.ZERO, q.read(T0), "first sight of every process adds nothing");
        assertEquals(List.of(10L, 11L), q.tracked(), "busiest incumbents; not glean's job, not the agent, not the idle one");
        assertEquals(3, q.trackedThreads());

        process(10, "db (worker)", 500, "/", 130, 220);
        process(11, "cron", 5, "/system.slice/cron.service", 12);
        process(20, "job", 9000, "/glean/g-1-0-1", 9000);
        assertEquals(Duration.ofMillis(55), q.read(T0.plusMillis(100)), "30 + 20 + 5; the job's wait is not the incumbents'");

        process(10, "db (worker)", 500, "/", 140); // one thread ended: it adds nothing, the other its 10 ms
        assertEquals(Duration.ofMillis(10), q.read(T0.plusMillis(200)));
        assertEquals(3, q.trackedThreads(), "threads are listed at each pass, not at each reading");
        process(10, "db (worker)", 500, "/", 150);
        assertEquals(Duration.ofMillis(10), q.read(T0.plusMillis(300)));

        // the next pass: cron did not run since the last one, a new busy process did
        process(13, "backup", 300, "/", 0);
        process(10, "db (worker)", 600, "/", 150);
        q.read(T0.plusSeconds(2));
        assertEquals(List.of(13L, 10L), q.tracked());
        assertEquals(2, q.trackedThreads());
        process(10, "db (worker)", 700, "/", 160, 5, 7);
        process(13, "backup", 400, "/", 0);
        assertEquals(Duration.ofMillis(10), q.read(T0.plusMillis(2100)), "threads started since the pass: not yet");
        q.read(T0.plusSeconds(4));
        assertEquals(4, q.trackedThreads(), "the next pass lists them");
        process(10, "db (worker)", 700, "/", 170, 10, 14);
        assertEquals(Duration.ofMillis(10 + 5 + 7), q.read(T0.plusMillis(4100)), "and they count from their first reading");
    }

    @Test
    void protectedIncumbentsAreTrackedFirstEvenWhileIdle() throws Exception {
        CgroupHost host = new CgroupHost(root.resolve("cgroup"), CgroupHost.Mode.V1, "glean");
        process(10, "make", 900, "/", 10);
        process(11, "gzip", 800, "/", 10);
        process(12, "postgres", 0, "/", 1); // idle, protected by name
        process(13, "erp", 0, "/system.slice/erp.service/worker", 1); // idle, protected by cgroup
        process(14, "postgres", 0, "/glean/g-1-0-1", 1); // same name but a secondary: never an incumbent
        var protect = new ProtectedIncumbents(java.util.Set.of("postgres"), List.of("/system.slice/erp.service/"));
        IncumbentRunQueue q = new IncumbentRunQueue(root.resolve("proc"), host, 99, Duration.ofSeconds(2), 3, 100, protect);
        q.read(T0);
        assertEquals(java.util.Set.of(12L, 13L), java.util.Set.copyOf(q.tracked().subList(0, 2)), q.tracked().toString());
        assertEquals(10L, q.tracked().get(2), "then the busiest, within the limit");
        process(12, "postgres", 0, "/", 41); // it woke and waited 40 ms
        assertEquals(Duration.ofMillis(40), q.read(T0.plusMillis(100)), "measured from its first request");
        IncumbentRunQueue plain = new IncumbentRunQueue(root.resolve("proc"), host, 99, Duration.ofSeconds(2), 3, 100);
        plain.read(T0);
        assertFalse(plain.tracked().contains(12L), "unprotected, an idle process waits for the next pass");
    }

    /** Sets one field of a process's stat, counted as proc(5) counts (3 is the state). */
    private void statField(long pid, int field, long value) throws IOException {
        Path stat = root.resolve("proc/" + pid + "/stat");
        String line = Files.readString(stat).trim();
        int close = line.lastIndexOf(')');
        List<String> f = new ArrayList<>(List.of(line.substring(close + 2).split(" ")));
        f.set(field - 3, Long.toString(value));
        Files.writeString(stat, line.substring(0, close + 2) + String.join(" ", f) + "\n");
    }

    @Test
    void processesThatAskedToRunLastAreNotIncumbentsUnlessProtected() throws Exception {
        CgroupHost v1 = new CgroupHost(root.resolve("cgroup"), CgroupHost.Mode.V1, "glean");
        write("cgroup/cpu/besteffort/cpu.shares", "2\n"); // a Kubernetes BestEffort pod's weight
        write("cgroup/cpu/burstable/cpu.shares", "102\n");
        process(10, "db", 500, "/", 10);
        process(11, "updatedb", 900, "/", 10);
        statField(11, 19, 19); // nice 19
        process(12, "render", 800, "/", 10);
        statField(12, 41, 5); // SCHED_IDLE
        process(13, "pod", 700, "/besteffort", 10);
        process(14, "web", 600, "/burstable", 10);
        process(15, "compress", 500, "/", 10);
        statField(15, 19, 10); // nice 10 is lower priority, not last
        process(16, "nightly", 400, "/", 10);
        statField(16, 19, 19);
        var protect = new ProtectedIncumbents(java.util.Set.of("nightly"), List.of());
        IncumbentRunQueue q = new IncumbentRunQueue(root.resolve("proc"), v1, 99, Duration.ofSeconds(2), 8, 100, protect);
        q.read(T0);
        assertEquals(java.util.Set.of(10L, 14L, 15L, 16L), java.util.Set.copyOf(q.tracked()),
                "not the nice 19, SCHED_IDLE or minimum-weight ones, unless protected");

        CgroupHost v2 = new CgroupHost(root.resolve("unified"), CgroupHost.Mode.V2, "glean");
        write("unified/kubepods/besteffort/cpu.weight", "1\n");
        write("unified/system.slice/db.service/cpu.weight", "100\n");
        Files.writeString(root.resolve("proc/13/cgroup"), "0::/kubepods/besteffort\n");
        Files.writeString(root.resolve("proc/10/cgroup"), "0::/system.slice/db.service\n");
        IncumbentRunQueue q2 = new IncumbentRunQueue(root.resolve("proc"), v2, 99, Duration.ofSeconds(2), 8, 100, protect);
        q2.read(T0);
        assertTrue(q2.tracked().contains(10L) && !q2.tracked().contains(13L), "v2: weight 1 runs last: " + q2.tracked());
    }

    @Test
    void processesInAnIdleClassCgroupAreNotIncumbentsUnlessProtected() throws Exception {
        CgroupHost host = new CgroupHost(root.resolve("cgroup"), CgroupHost.Mode.V1, "glean");
        write("cgroup/cpu/glean-agent/cpu.idle", "1\n"); // another agent's own threads
        write("cgroup/cpu/batch/cpu.idle", "1\n"); // anyone's batch work, protected by name below
        write("cgroup/cpu/system.slice/db.service/cpu.idle", "0\n");
        process(10, "db", 500, "/system.slice/db.service", 10);
        process(11, "java", 900, "/glean-agent", 10);
        process(12, "nightly", 800, "/batch", 10);
        process(13, "make", 700, "/user.slice", 10); // no cpu.idle file read as 0 (older kernels have none)
        var protect = new ProtectedIncumbents(java.util.Set.of("nightly"), List.of());
        IncumbentRunQueue q = new IncumbentRunQueue(root.resolve("proc"), host, 99, Duration.ofSeconds(2), 8, 100, protect);
        q.read(T0);
        assertEquals(java.util.Set.of(10L, 12L, 13L), java.util.Set.copyOf(q.tracked()), "not the idle-class java");
        process(10, "db", 500, "/system.slice/db.service", 15);
        process(11, "java", 900, "/glean-agent", 900);
        process(12, "nightly", 800, "/batch", 12);
        process(13, "make", 700, "/user.slice", 13);
        assertEquals(Duration.ofMillis(5 + 2 + 3), q.read(T0.plusMillis(100)), "its 890 ms of wait do not count");
    }

        @Test
    void membershipIsReadFromTheHierarchyThatSchedulesTheCpu() {
        CgroupHost v1 = new CgroupHost(root, CgroupHost.Mode.V1, "glean");
        CgroupHost v2 = new CgroupHost(root, CgroupHost.Mode.V2, "glean");
        assertTrue(IncumbentRunQueue.inParent(List.of("5:memory:/", "4:cpu,cpuacct:/glean/c1", "0::/"), v1));
        assertTrue(IncumbentRunQueue.inParent(List.of("4:cpuacct,cpu:/glean"), v1));
        assertFalse(IncumbentRunQueue.inParent(List.of("4:cpu,cpuacct:/gleaner/x", "0::/glean/c1"), v1),
                "another cgroup whose name starts the same; v1 ignores the unified line");
        assertTrue(IncumbentRunQueue.inParent(List.of("0::/glean/c1"), v2));
        assertFalse(IncumbentRunQueue.inParent(List.of("0::/system.slice/db.service"), v2));
    }

    @Test
    void diskRatesOfWholeDevicesOnly() throws Exception {
        String line = "%4d %7d %s %d 0 %d 0 %d 0 %d 0 0 %d 0 0 0 0 0 0\n";
        write("proc/diskstats", String.format(line, 254, 0, "vda", 1000, 8000, 500, 4000, 10_000)
                + String.format(line, 254, 1, "vda1", 1000, 8000, 500, 4000, 10_000)
                + String.format(line, 7, 0, "loop0", 10, 80, 0, 0, 5)
                + String.format(line, 253, 0, "zram0", 0, 0, 0, 0, 0));
        for (String d : List.of("vda", "loop0", "zram0")) {
            Files.createDirectories(root.resolve("sys/block/" + d));
        }
        DiskStats disks = new DiskStats(root.resolve("proc"), root.resolve("sys/block"));
        assertEquals(List.of(new Disk("254:0", 0, 0, 0, 0, 0)), disks.read(Duration.ZERO),
                "no partitions, no loop devices, no devices without io; no rates before two readings");
        write("proc/diskstats", String.format(line, 254, 0, "vda", 2000, 10048, 1000, 8096, 10_050));
        Disk vda = disks.read(Duration.ofMillis(100)).get(0);
        assertEquals(0.5, vda.utilization(), 1e-9, "50 ms of io in flight in 100 ms");
        assertEquals(2048 * 512 * 10, vda.readBytesPerSecond());
        assertEquals(4096 * 512 * 10, vda.writeBytesPerSecond());
        assertEquals(10_000, vda.readsPerSecond());
        assertEquals(5_000, vda.writesPerSecond());
    }

    private void pressure(String dir, String resource, long total) throws IOException {
        write(dir + "/" + resource, "some avg10=0.00 avg60=0.00 avg300=0.00 total=" + total
                + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    }

    @Test
    void stallsAreTheLargerOfTheBusiestOtherCgroupAndTheHostMinusGleanButCpuOnlyTheFormer() throws Exception {
        write("cg/cgroup.controllers", "cpu io memory\n");
        CgroupHost host = CgroupHost.detect(root.resolve("cg"), "glean");
        long[][] totals = {{1000, 1000, 1000}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}}; // host, glean, system.slice, user.slice
        String[] resources = {"cpu", "memory", "io"};
        for (int r = 0; r < 3; r++) {
            pressure("proc/pressure", resources[r], totals[0][r]);
            pressure("cg/glean", resources[r] + ".pressure", 0);
            pressure("cg/system.slice", resources[r] + ".pressure", 0);
            pressure("cg/user.slice", resources[r] + ".pressure", 0);
        }
        IncumbentStalls stalls = new IncumbentStalls(root.resolve("proc"), host);
        assertEquals(new Stalls(true, Duration.ZERO, Duration.ZERO, Duration.ZERO), stalls.read());

        pressure("proc/pressure", "cpu", 1000 + 900_000);
        pressure("cg/glean", "cpu.pressure", 800_000);
        pressure("cg/system.slice", "cpu.pressure", 40_000);
        pressure("cg/user.slice", "cpu.pressure", 10_000);
        pressure("proc/pressure", "memory", 1000 + 100_000);
        pressure("cg/glean", "memory.pressure", 80_000);
        pressure("cg/system.slice", "memory.pressure", 30_000);
        pressure("proc/pressure", "io", 1000 + 50_000);
        pressure("cg/system.slice", "io.pressure", 10_000);
        Stalls s = stalls.read();
        assertEquals(Duration.ofMillis(40), s.cpu(), "cpu: the busiest other cgroup only");
        assertEquals(Duration.ofMillis(30), s.memory(), "30 ms in system.slice beats 100 - 80 on the host");
        assertEquals(Duration.ofMillis(50), s.io(), "50 ms on the host, none of it glean's, beats system.slice's 10");

        Files.delete(root.resolve("proc/pressure/cpu"));
        Files.delete(root.resolve("proc/pressure/memory"));
        Files.delete(root.resolve("proc/pressure/io"));
        assertEquals(Stalls.NONE, stalls.read(), "no PSI on the host");
    }
}
