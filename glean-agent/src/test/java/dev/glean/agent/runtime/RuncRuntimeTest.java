package dev.glean.agent.runtime;

import static dev.glean.agent.runtime.RuncTestHost.spec;
import static dev.glean.agent.runtime.RuncTestHost.uniqueId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.cgroup.CgroupFile;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ContainerSpec;
import dev.glean.core.runtime.ParentLimits;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link RuncRuntime} with real runc, conmon and cgroups (needs root; skipped where {@link RuncRuntime#probe}
 * finds something missing, or with -Dglean.it.skip=true). Every test uses its own container ids under a parent
 * cgroup of this class alone; everything is removed afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuncRuntimeTest {
    private static final Duration END = Duration.ofSeconds(15);
    private RuncTestHost host;
    private RuncRuntime rt;
    private CgroupHost cgroups;

    @BeforeAll
    void setUp() throws Exception {
        host = RuncTestHost.open();
        rt = host.runtime;
        cgroups = host.settings.cgroups();
        rt.configureParent(new ParentLimits(Bytes.ofMiB(1024), 500));
    }

    @AfterAll
    void tearDown() throws Exception {
        if (host != null) {
            host.close();
            assertEquals(List.of(), host.parentCgroups(), "the test's parent cgroups are gone");
        }
    }

    @Test
    void exitCodeAndLogOfAShortJob() {
        String id = uniqueId("exit3");
        rt.start(spec(id, List.of("sh", "-c", "echo hi; echo oops >&2; exit 3")));
        ContainerInfo info = host.awaitExit(rt, id, END);
        assertEquals(3, info.exitCode());
        assertEquals(Map.of("job", id), info.annotations());
        assertTrue(info.startedAt() != null && info.finishedAt() != null && !info.finishedAt().isBefore(info.startedAt()));
        String log = new String(rt.readLog(id, 0, 1 << 20), StandardCharsets.UTF_8);
        assertTrue(log.matches("(?s)\\d{4}-\\d\\d-\\d\\dT[^ ]+ stdout F hi\n.*"), log);
        assertTrue(log.contains(" stderr F oops\n"), log);
        byte[] tail = rt.readLog(id, 5, 3);
        assertEquals(new String(log.getBytes(StandardCharsets.UTF_8), 5, 3, StandardCharsets.UTF_8),
                new String(tail, StandardCharsets.UTF_8));
        assertEquals(0, rt.readLog(id, log.length(), 100).length, "empty at the end");
        rt.remove(id);
    }

    @Test
    void runningContainerSitsInItsCgroupAsAnUnprivilegedUserFirstInLineForTheOomKiller() throws Exception {
        String id = uniqueId("sleeper");
        ContainerInfo started = rt.start(new ContainerSpec(id, List.of("sleep", "30"), Map.of(), new Millicores(1500),
                Bytes.ofMiB(96), 40, "host", List.of(), Map.of()));
        assertEquals(ContainerPhase.RUNNING, started.phase());
        int pid = started.pid();
        assertTrue(pid > 0);

        String cgroupFile = Files.readString(Path.of("/proc", Integer.toString(pid), "cgroup"));
        String expected = cgroups.containerCgroupPath(id);
        for (String controller : List.of("memory", "cpu", "pids", "freezer")) {
            assertTrue(cgroupFile.lines().anyMatch(l -> l.split(":")[1].contains(controller) && l.endsWith(":" + expected)),
                    controller + " cgroup of " + pid + " is " + expected + ":\n" + cgroupFile);
        }
        Path cpuParent = cgroups.v1Root("cpu").resolve(cgroups.parent());
        assertEquals(cgroups.v1Root("cpu"), cpuParent.getParent(), "the parent sits directly under the root");
        CgroupFile idle = CgroupFile.of(cpuParent, "cpu.idle");
        assertTrue(idle.exists() ? idle.read().equals("1") : CgroupFile.of(cpuParent, "cpu.shares").read().equals("2"));

        Path memLeaf = cgroups.containerDir(cgroups.v1Root("memory"), id);
        assertEquals(96L << 20, CgroupFile.of(memLeaf, "memory.limit_in_bytes").readLong(-1));
        if (CgroupFile.of(memLeaf, "memory.memsw.limit_in_bytes").exists()) {
            assertEquals(96L << 20, CgroupFile.of(memLeaf, "memory.memsw.limit_in_bytes").readLong(-1), "no swap beyond the limit");
        }
        assertEquals("40", CgroupFile.of(cgroups.containerDir(cgroups.v1Root("pids"), id), "pids.max").read());
        assertEquals("1536", CgroupFile.of(cgroups.containerDir(cgroups.v1Root("cpu"), id), "cpu.shares").read());

        String status = Files.readString(Path.of("/proc", Integer.toString(pid), "status"));
        String uidLine = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertEquals(List.of("100000", "100000", "100000", "100000"), List.of(uidLine.substring(4).trim().split("\\s+")));
        assertEquals("1000", Files.readString(Path.of("/proc", Integer.toString(pid), "oom_score_adj")).trim());
        String capEff = status.lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow();
        assertEquals(0, Long.parseLong(capEff.substring(7).trim(), 16) & (1L << 21), "no CAP_SYS_ADMIN");
        assertEquals("1", status.lines().filter(l -> l.startsWith("NoNewPrivs:")).findFirst().orElseThrow()
                .substring(11).trim());

        // the monitor is not in the container's cgroup
        int conmonPid = Integer.parseInt(Files.readString(host.settings.stateDir().resolve(id).resolve("conmon.pid")).trim());
        assertFalse(Files.readString(Path.of("/proc", Integer.toString(conmonPid), "cgroup")).contains(expected));

        // stop ends it (sleep as pid 1 ignores TERM: KILL after the grace) and removes nothing
        long t0 = System.nanoTime();
        rt.stop(id, Duration.ofMillis(200));
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        ContainerInfo stopped = host.info(rt, id);
        assertEquals(ContainerPhase.EXITED, stopped.phase());
        assertEquals(137, stopped.exitCode(), "killed by KILL: 128+9");
        assertTrue(Files.isDirectory(host.settings.stateDir().resolve(id)), "the bundle stays");
        assertFalse(host.leafCgroups(id).isEmpty(), "the cgroups stay until remove");
        rt.stop(id, Duration.ofMillis(200)); // idempotent
        System.out.println("stop (grace 200 ms, TERM ignored): " + stopMs + " ms");

        t0 = System.nanoTime();
        rt.remove(id);
        long removeMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("remove: " + removeMs + " ms");
        assertEquals(List.of(), host.leafCgroups(id), "no cgroup left in any hierarchy");
        assertFalse(Files.exists(host.settings.stateDir().resolve(id)), "the bundle is gone");
        assertFalse(Files.exists(host.settings.runcRoot().resolve(id)), "runc's state is gone");
        assertTrue(rt.list().stream().noneMatch(i -> i.id().equals(id)));
        for (String c : List.of("cpu", "memory", "pids")) {
            assertTrue(Files.isDirectory(cgroups.v1Root(c).resolve(cgroups.parent())), "the parent stays in " + c);
        }
        rt.remove(id); // idempotent
    }

    @Test
    void stopHonoursATermHandlerWithinTheGrace() {
        String id = uniqueId("trap");
        rt.start(spec(id, List.of("sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done")));
        RuncTestHost.await(() -> new String(rt.readLog(id, 0, 4096), StandardCharsets.UTF_8).contains("ready"),
                END, "the trap to be set");
        long t0 = System.nanoTime();
        rt.stop(id, Duration.ofSeconds(10));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "ended by TERM, not after the grace");
        assertEquals(42, host.info(rt, id).exitCode());
        rt.remove(id);
    }

    @Test
    void theHostStaysInvisibleAndReadOnly() throws Exception {
        String id = uniqueId("iso");
        Path volume = host.base.resolve("vol-" + id);
        Files.createDirectories(volume);
        Files.setAttribute(volume, "unix:mode", 0755);
        Files.writeString(volume.resolve("data.txt"), "from the host");
        String script = String.join("\n",
                "[ -e /root ] && exit 10",
                "[ -e /home ] && exit 11",
                "touch /usr/glean-write-probe 2>/dev/null && exit 12",
                "touch /etc/glean-write-probe 2>/dev/null && exit 13",
                "echo ok > /work/ok && echo ok > /tmp/ok || exit 14",
                "[ \"$(cat /proc/sys/kernel/hostname)\" = \"$ID\" ] || exit 15",
                "[ \"$HOME\" = /work ] && [ \"$(pwd)\" = /work ] || exit 16",
                "[ \"$FOO\" = bar ] || exit 17",
                "[ \"$(cat /data/data.txt)\" = 'from the host' ] || exit 18",
                "touch /data/x 2>/dev/null && exit 19",
                "ls /sys/fs/cgroup/memory/ >/dev/null || exit 20",
                "[ \"$(id -u)\" = 0 ] || exit 21",
                "exit 0");
        ContainerSpec spec = new ContainerSpec(id, List.of("sh", "-c", script), Map.of("ID", id, "FOO", "bar"),
                new Millicores(100), Bytes.ofMiB(128), 32, "host",
                List.of(new VolumeMount(volume.toString(), "/data", true)), Map.of());
        rt.start(spec);
        ContainerInfo info = host.awaitExit(rt, id, END);
        assertEquals(0, info.exitCode(), () -> new String(rt.readLog(id, 0, 1 << 16), StandardCharsets.UTF_8));
        assertFalse(Files.exists(Path.of("/usr/glean-write-probe")));
        assertFalse(Files.exists(volume.resolve("x")));
        Path work = ContainerLayout.of(host.settings.stateDir(), id).work();
        assertEquals("ok\n", Files.readString(work.resolve("ok")));
        assertEquals(100000, Files.getAttribute(work.resolve("ok"), "unix:uid"), "written by the container's root");
        rt.remove(id);
    }

    @Test
    void anExitWhileNoRuntimeObjectExistsIsReportedByTheNextOne() throws Exception {
        String id = uniqueId("orphan");
        RuncRuntime first = host.fresh();
        first.start(spec(id, List.of("sh", "-c", "while [ ! -e /work/go ]; do sleep 0.02; done; exit 7")));
        first = null; // the agent is gone
        RuncRuntime second = host.fresh();
        assertEquals(ContainerPhase.RUNNING, host.info(second, id).phase());
        second = null;
        Files.writeString(ContainerLayout.of(host.settings.stateDir(), id).work().resolve("go"), "");
        Path exitFile = host.settings.stateDir().resolve(id).resolve("exit").resolve(id);
        RuncTestHost.await(() -> Files.exists(exitFile), END, "conmon to record the exit");
        ContainerInfo info = host.info(host.fresh(), id);
        assertEquals(ContainerPhase.EXITED, info.phase());
        assertEquals(7, info.exitCode());
        assertEquals(Map.of("job", id), info.annotations(), "annotations come back from the state directory");
        assertTrue(info.startedAt() != null);
        host.fresh().remove(id);
    }

    @Test
    void aContainerOutlivesTheKilledJvmThatStartedIt() throws Exception {
        String id = uniqueId("survivor");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StartAndHang.class.getName(), host.settings.stateDir().toString(), host.settings.runcRoot().toString(),
                cgroups.parent(), id)
                .redirectErrorStream(true).start();
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
            assertTrue(line != null && line.startsWith("started "), "child said: " + line);
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        ContainerInfo running = host.info(host.fresh(), id);
        assertEquals(ContainerPhase.RUNNING, running.phase(), running.toString());
        assertEquals(Integer.parseInt(line.substring("started ".length()).trim()), running.pid());
        Files.writeString(ContainerLayout.of(host.settings.stateDir(), id).work().resolve("go"), "");
        ContainerInfo ended = host.awaitExit(host.fresh(), id, END);
        assertEquals(5, ended.exitCode());
        assertTrue(new String(host.fresh().readLog(id, 0, 4096), StandardCharsets.UTF_8).contains("stdout F waiting"));
        host.fresh().remove(id);
    }

    @Test
    void aMemoryHogIsOomKilledAloneAtItsLimit() {
        String bystander = uniqueId("bystander");
        String hog = uniqueId("hog");
        rt.start(spec(bystander, List.of("sleep", "30")));
        // tail keeps the whole newline-free input in memory
        rt.start(spec(hog, List.of("sh", "-c", "head -c 300000000 /dev/zero | tail"), Bytes.ofMiB(48), Map.of()));
        ContainerInfo info = host.awaitExit(rt, hog, Duration.ofSeconds(30));
        assertEquals(137, info.exitCode(), "killed by the kernel: 128+9");
        assertEquals("oom-killed", info.detail());
        String oomControl = CgroupFile.of(cgroups.containerDir(cgroups.v1Root("memory"), hog), "memory.oom_control").read();
        assertTrue(oomControl.contains("oom_kill 1"), oomControl);
        assertEquals(ContainerPhase.RUNNING, host.info(rt, bystander).phase(), "the neighbour lives");
        assertNull(host.info(rt, bystander).exitCode());
        rt.remove(hog);
        rt.remove(bystander);
    }

    @Test
    void aFailedStartReportsRuncsReasonAndLeavesNothingBehind() {
        String id = uniqueId("broken");
        GleanException e = assertThrows(GleanException.class,
                () -> rt.start(spec(id, List.of("/no/such/program", "arg"))));
        assertEquals(ErrorCode.RUNTIME_ERROR, e.code());
        assertTrue(e.getMessage().contains("/no/such/program") && e.getMessage().contains("no such file or directory"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        System.out.println("failed start: " + e.getMessage());
        assertFalse(Files.exists(host.settings.stateDir().resolve(id)));
        assertFalse(Files.exists(host.settings.runcRoot().resolve(id)));
        assertEquals(List.of(), host.leafCgroups(id));
        assertTrue(rt.list().stream().noneMatch(i -> i.id().equals(id)));

        GleanException bad = assertThrows(GleanException.class, () -> rt.start(new ContainerSpec(id, List.of("true"),
                Map.of(), new Millicores(100), Bytes.ofMiB(64), 8, "debian:12", List.of(), Map.of())));
        assertEquals(ErrorCode.RUNTIME_ERROR, bad.code());
        rt.stop("nobody-" + id, Duration.ZERO); // nothing to stop
        rt.remove("nobody-" + id); // nothing to remove
        assertThrows(GleanException.class, () -> rt.readLog("../etc", 0, 10));
    }

    @Test
    void aSecondStartWithTheSameIdIsRefusedWithoutHarm() {
        String id = uniqueId("twice");
        rt.start(spec(id, List.of("sleep", "30")));
        GleanException e = assertThrows(GleanException.class, () -> rt.start(spec(id, List.of("true"))));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(ContainerPhase.RUNNING, host.info(rt, id).phase());
        rt.stop(id, Duration.ZERO);
        rt.remove(id);
    }

    @Test
    void parentLimitsCanBeReappliedAndARefusedLowerLimitChangesNothing() throws Exception {
        Path memParent = cgroups.v1Root("memory").resolve(cgroups.parent());
        rt.configureParent(new ParentLimits(Bytes.ofMiB(512), 300));
        assertEquals(512L << 20, CgroupFile.of(memParent, "memory.limit_in_bytes").readLong(-1));
        assertEquals("300", CgroupFile.of(cgroups.v1Root("pids").resolve(cgroups.parent()), "pids.max").read());
        rt.configureParent(new ParentLimits(Bytes.ofMiB(1024), 500));
        assertEquals(1024L << 20, CgroupFile.of(memParent, "memory.limit_in_bytes").readLong(-1));
        if (CgroupFile.of(memParent, "memory.memsw.limit_in_bytes").exists()) {
            assertEquals(1024L << 20, CgroupFile.of(memParent, "memory.memsw.limit_in_bytes").readLong(-1));
        }
        Path cpuset = cgroups.v1Root("cpuset").resolve(cgroups.parent());
        assertEquals(CgroupFile.of(cgroups.v1Root("cpuset"), "cpuset.cpus").read(), CgroupFile.of(cpuset, "cpuset.cpus").read());

        // 40 MB of tmpfs cannot be reclaimed without swap: a parent limit below it must be refused, not half set
        String id = uniqueId("shm");
        rt.start(spec(id, List.of("sh", "-c", "head -c 40000000 /dev/zero > /dev/shm/fill && echo filled && sleep 30")));
        RuncTestHost.await(() -> new String(rt.readLog(id, 0, 4096), StandardCharsets.UTF_8).contains("filled"),
                END, "the tmpfs to fill");
        GleanException e = assertThrows(GleanException.class,
                () -> rt.configureParent(new ParentLimits(Bytes.ofMiB(8), 500)));
        assertEquals(ErrorCode.RUNTIME_ERROR, e.code());
        assertTrue(e.getMessage().contains("memory limit") && e.getMessage().contains("previous limit stays"), e.getMessage());
        System.out.println("refused parent limit: " + e.getMessage());
        assertEquals(1024L << 20, CgroupFile.of(memParent, "memory.limit_in_bytes").readLong(-1));
        if (CgroupFile.of(memParent, "memory.memsw.limit_in_bytes").exists()) {
            assertEquals(1024L << 20, CgroupFile.of(memParent, "memory.memsw.limit_in_bytes").readLong(-1));
        }
        assertEquals(ContainerPhase.RUNNING, host.info(rt, id).phase());
        rt.remove(id); // remove kills a live container too
        assertEquals(List.of(), host.leafCgroups(id));
    }

    @Test
    void startOfTrueIsQuickAndListingIsCheap() {
        List<Long> starts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = uniqueId("true" + i);
            long t0 = System.nanoTime();
            rt.start(spec(id, List.of("true")));
            starts.add((System.nanoTime() - t0) / 1_000_000);
            ids.add(id);
        }
        for (String id : ids) {
            assertEquals(0, host.awaitExit(rt, id, END).exitCode());
        }
        rt.list();
        long t0 = System.nanoTime();
        int rounds = 200;
        for (int i = 0; i < rounds; i++) {
            rt.list();
        }
        long listMicros = (System.nanoTime() - t0) / 1000 / rounds;
        List<Long> removes = new ArrayList<>();
        for (String id : ids) {
            long r0 = System.nanoTime();
            rt.remove(id);
            removes.add((System.nanoTime() - r0) / 1_000_000);
        }
        List<Long> sorted = new ArrayList<>(starts.subList(1, starts.size()));
        Collections.sort(sorted);
        System.out.println("start of `true` (ms, first is cold): " + starts + ", warm median " + sorted.get(sorted.size() / 2));
        System.out.println("list() of " + ids.size() + " ended containers: " + listMicros + " us");
        System.out.println("remove (ms): " + removes);
        assertTrue(sorted.get(sorted.size() / 2) < 1000, "start takes " + starts);
        assertTrue(listMicros < 20_000, "list takes " + listMicros + " us");
    }
    @Test
    void aPausedContainerIsListedAsPausedAndStillStops() {
        String id = uniqueId("paused");
        rt.start(spec(id, List.of("sleep", "30")));
        HostCommand.Result pause = HostCommand.run(List.of(host.settings.runcPath().toString(), "--root",
                host.settings.runcRoot().toString(), "pause", id), Duration.ofSeconds(10));
        assertTrue(pause.ok(), pause.output());
        assertEquals(ContainerPhase.PAUSED, host.info(rt, id).phase());
        rt.stop(id, Duration.ofMillis(100)); // thaws, TERM (ignored by sleep), KILL
        assertEquals(137, host.info(rt, id).exitCode());
        rt.remove(id);
        assertEquals(List.of(), host.leafCgroups(id));
    }

    @Test
    void aContainerCreatedButNeverStartedIsListedAsCreatedAndCanBeRemoved() {
        // What an agent that died between runc create and runc start leaves behind.
        String id = uniqueId("halfway");
        ContainerLayout layout = ContainerLayout.of(host.settings.stateDir(), id);
        try {
            Files.createDirectories(layout.dir());
            Files.setAttribute(layout.dir(), "unix:mode", 0711);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        ContainerSpec spec = spec(id, List.of("sleep", "30"));
        ContainerRecordFile.write(layout, ContainerRecord.created(id, "host", spec.command(), spec.annotations(),
                java.time.Instant.now()));
        new OciBundleWriter(new OciBundleWriter.Options(host.settings.hostUidBase(), host.settings.uidCount(),
                cgroups.containerCgroupPath(id), true, 1024, Path.of("/"))).write(layout, spec);
        RuncCommand runc = new RuncCommand(host.settings.runcPath(), host.settings.runcRoot());
        ConmonMonitor.Created created = new ConmonMonitor(host.settings.conmonPath(), runc).create(layout, 0);
        assertTrue(created.containerPid() > 0 && created.conmonPid() > 0);

        RuncRuntime later = host.fresh();
        ContainerInfo info = host.info(later, id);
        assertEquals(ContainerPhase.CREATED, info.phase());
        assertEquals(created.containerPid(), info.pid());
        later.stop(id, Duration.ofMillis(100));
        assertEquals(ContainerPhase.EXITED, host.info(later, id).phase());
        later.remove(id);
        assertEquals(List.of(), host.leafCgroups(id));
        assertFalse(Files.exists(layout.dir()));
        assertFalse(runc.exists(id));
    }

    @Test
    void aStartBeforeConfigureParentStillLandsInALowWeightParent() throws Exception {
        CgroupHost other = CgroupHost.detect(Path.of("/sys/fs/cgroup"), cgroups.parent() + "-bare");
        RuncRuntime bare = RuncRuntime.create(host.settings.withCgroups(other));
        String id = uniqueId("bare");
        try {
            bare.start(spec(id, List.of("true")));
            Path cpuParent = other.v1Root("cpu").resolve(other.parent());
            CgroupFile idle = CgroupFile.of(cpuParent, "cpu.idle");
            assertTrue(idle.exists() ? idle.read().equals("1") : CgroupFile.of(cpuParent, "cpu.shares").read().equals("2"));
            Path cpuset = other.v1Root("cpuset").resolve(other.parent());
            assertFalse(CgroupFile.of(cpuset, "cpuset.cpus").read().isEmpty());
            assertEquals(0, host.awaitExit(bare, id, END).exitCode());
        } finally {
            bare.remove(id);
            new dev.glean.agent.cgroup.CgroupCleaner(other).removeParent();
        }
        assertTrue(other.hierarchies().stream().noneMatch(h -> Files.exists(h.resolve(other.parent()))));
    }
}
