package dev.glean.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.cgroup.AgentCpu;
import dev.glean.agent.cgroup.CgroupFile;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ContainerCgroup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease's enforcement on a saturated host with the agent in the idle class (agent.ownCpu idle), on the real host
 * (root, cgroup v1): busy incumbents at normal priority on every CPU, a busy "secondary" in an idle-class container
 * cgroup, this JVM moved into the agent's idle-class cgroup. The lease runs out; the enforcer's thread must be back at
 * normal priority, kill the secondary through its cgroup and mark it. The lease watchdog, started the way
 * the agent starts it, must run at normal priority too (with the runc it spawns).
 */
class LeaseEnforcerTest {
    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private CgroupHost host;
    private final List<Path> made = new ArrayList<>();

    private static String cpuCgroupOf(String procFile) {
        try {
            return CgroupHost.detect().cpuCgroup(Files.readAllLines(Path.of(procFile), StandardCharsets.US_ASCII));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The ids of this JVM's threads whose name starts with {@code prefix} (comm holds 15 characters). */
    private static List<String> threadsNamed(String prefix) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(t.resolve("comm")).trim();
                } catch (java.nio.file.NoSuchFileException ended) {
                    continue; // a thread that ended since the listing
                }
                if (prefix.startsWith(comm) || comm.startsWith(prefix)) {
                    ids.add(t.getFileName().toString());
                }
            }
        }
        return ids;
    }

    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (Exception gone) {
            return false;
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
        if (host != null) {
            LeaseWatchdog.stop(dir.resolve("state"));
        }
        for (int i = made.size() - 1; i >= 0; i--) {
            // a killed process leaves its cgroup a moment after it ends
            for (int tries = 0; ; tries++) {
                try {
                    Files.deleteIfExists(made.get(i));
                    break;
                } catch (java.nio.file.FileSystemException busy) {
                    if (tries >= 100) {
                        throw busy;
                    }
                    Thread.sleep(20);
                }
            }
        }
    }

    private Path mkdir(Path p) throws Exception {
        Files.createDirectories(p);
        made.add(p);
        return p;
    }

    /** Runs {@code work} on a new thread in the agent's idle-class cgroup, as the agent's own threads are; its result. */
    private static <T> T fromIdleThread(AgentCpu cpu, java.util.function.Supplier<T> work) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
                CgroupFile.of(cpu.cgroup(), "tasks").write(tid);
                T r = work.get();
                String after = cpuCgroupOf("/proc/thread-self/cgroup");
                result.set(after.equals(cpuCgroupOf("/proc/self/task/" + tid + "/cgroup")) && after.endsWith("-agent") ? r
                        : new AssertionError("the calling thread is back in the idle class, not in " + after));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError(e);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result.get();
        return r;
    }

    @Test
    void theLeaseIsEnforcedWhileTheIdleClassGetsNoCpu() throws Exception {
        host = CgroupHost.detect(Path.of("/sys/fs/cgroup"), "glean-test-lease-" + ProcessHandle.current().pid());
        assumeTrue(host.mode() == CgroupHost.Mode.V1 && Files.isWritable(host.v1Root("cpu").resolve("cgroup.procs")),
                "needs root and a v1 cpu hierarchy");
        String home = cpuCgroupOf("/proc/thread-self/cgroup");
        // A container cgroup like runc makes: the parent in the idle class, the leaf in cpu, freezer and unified/.
        Path cpuParent = mkdir(host.v1Parent("cpu"));
        CgroupFile.of(cpuParent, "cpu.idle").write("1");
        String join = dev.glean.agent.cgroup.ContainerLeaves.joinPrefix(host, "c1", this::mkdir);
        started.add(new ProcessBuilder("sh", "-c", join + "exec sh -c 'while :; do :; done'").start());
        ContainerCgroup container = new ContainerCgroup(host, "c1");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (container.pids().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long secondary = container.pids().getFirst();
        // Incumbents at normal priority on every CPU: the idle class gets (nearly) nothing from here on.
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            started.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        AgentCpu cpu = AgentCpu.apply(host).orElseThrow();
        made.add(cpu.cgroup());
        try {
            cpu.keepThreadHere(); // this test's own thread watches the clock at normal priority
            Path state = Files.createDirectories(dir.resolve("state"));
            long watchdog = fromIdleThread(cpu, () -> cpu.atNormalPriority(() -> LeaseWatchdog.ensureRunning(state,
                    state.resolve("lease"), Path.of("/bin/true"), state.resolve("runc"), Duration.ofSeconds(3))));
            assertEquals(home, cpuCgroupOf("/proc/" + watchdog + "/cgroup"), "the watchdog runs at normal priority");
            assertEquals("/" + AgentCpu.name(host), cpuCgroupOf("/proc/self/task/" + threadsNamed("VM Thread").getFirst() + "/cgroup"),
                    "the rest of the process stays in the idle class");

            // A lease restored from disk that holds for a minute: starting the enforcer (from an idle-class thread,
            // which may itself wait for CPU here) must not eat into the lease the test times.
            Files.writeString(state.resolve("lease"), Long.toString(System.currentTimeMillis() + 60_000));
            AgentLease lease = new AgentLease(state.resolve("lease"), Clock.systemUTC());
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Duration after = Duration.ofMillis(200);
            LeaseEnforcer unstarted = new LeaseEnforcer(lease, after, host, state, Duration.ofMillis(50),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            // Started as the agent starts it: from an idle-class thread, through atNormalPriority.
            fromIdleThread(cpu, () -> cpu.atNormalPriority(unstarted::start));
            try (LeaseEnforcer enforcer = unstarted) {
                List<String> tids = threadsNamed("glean-lease-enforcer");
                assertEquals(1, tids.size(), "one enforcer thread");
                assertEquals(home, cpuCgroupOf("/proc/self/task/" + tids.getFirst() + "/cgroup"),
                        "the enforcer's thread runs at normal priority");
                assertTrue(alive(secondary), "the secondary runs while the lease holds");
                lease.renew(System.nanoTime(), System.currentTimeMillis(), 1500); // the first answer: 1.5 s from now

                // How late is a benchmark's question (this JVM's own threads are idle-class: a stop-the-world pause
                // can hold the enforcer for seconds here); the test asks that it kills, from normal priority.
                while (alive(secondary) && lease.millisPastEnd() < 60_000) {
                    Thread.sleep(5);
                }
                long lateMs = lease.millisPastEnd() - after.toMillis();
                assertTrue(!alive(secondary), "the secondary was killed; enforcer log: " + log);
                assertTrue(LeaseWatchdog.killed(state, "c1"), "marked as stopped for the lease");
                System.out.println("LeaseEnforcerTest: the secondary was killed " + lateMs + " ms after the deadline; " + log.toString().trim());
            }
        } finally {
            cpu.undo();
        }
    }
}
