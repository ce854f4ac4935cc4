package dev.glean.agent.cgroup;

import dev.glean.core.error.GleanException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * One container's cgroup as seen from the host: whether it is frozen (by runc pause through the v1 freezer, or
 * by glean's guard through the cgroup2 {@code cgroup.freeze}) and thawing it. Plain file reads, cheap enough
 * for a listing every second.
 */
public final class ContainerCgroup {
    private final CgroupHost host;
    private final String id;

    public ContainerCgroup(CgroupHost host, String id) {
        this.host = host;
        this.id = id;
    }

    public boolean isFrozen() {
        if (host.mode() == CgroupHost.Mode.V1) {
            String state = CgroupFile.of(v1Dir("freezer"), "freezer.state").read();
            if (state.equals("FROZEN") || state.equals("FREEZING")) {
                return true;
            }
        }
        return unifiedDir().map(d -> CgroupFile.of(d, "cgroup.freeze").read().equals("1")).orElse(false);
    }

    /** Thaws both freezers where they exist; a frozen task takes no signal, not even KILL. */
    public void thaw() {
        if (host.mode() == CgroupHost.Mode.V1) {
            CgroupFile state = CgroupFile.of(v1Dir("freezer"), "freezer.state");
            if (state.exists() && !state.read().equals("THAWED")) {
                state.write("THAWED");
            }
        }
        unifiedDir().map(d -> CgroupFile.of(d, "cgroup.freeze"))
                .filter(f -> f.exists() && f.read().equals("1"))
                .ifPresent(f -> f.write("0"));
    }

    /** The processes in the container's cgroup (its cpu hierarchy's on v1), now. */
    public List<Long> pids() {
        Path leaf = host.mode() == CgroupHost.Mode.V1 ? v1Dir("cpu") : host.containerDir(host.root(), id);
        CgroupFile procs = CgroupFile.of(leaf, "cgroup.procs");
        List<Long> pids = new ArrayList<>();
        if (procs.exists()) {
            for (String line : procs.read().split("\\n")) {
                try {
                    pids.add(Long.parseLong(line.trim()));
                } catch (NumberFormatException blank) {
                    // the empty last line
                }
            }
        }
        return pids;
    }

    /**
     * Moves {@code killed} — processes of the container that were just sent SIGKILL — out of glean's parent (idle
     * class, maybe a CFS cap, a narrowed cpuset) into the root of the cpu (and on v1 cpuset) hierarchy: a process frees
     * its memory as it exits, on its own CPU time, and in the idle class on a busy host it hardly gets any (measured
     * here with builds running: three killed secondaries freed 30 MB/s under a 10 % cap; moved to the root they freed
     * their last 4.8 GiB within 3 s). The memory stays charged to the container's cgroup. Only killed processes move:
     * on v2 the move takes a process out of the container's cgroup in every controller, and one that could still fork
     * would leave children nobody kills; a child forked before the kill stays behind for runc's kill. Processes that
     * ended meanwhile are skipped.
     */
    public void releaseCpu(List<Long> killed) {
        List<CgroupFile> targets = new ArrayList<>();
        if (host.mode() == CgroupHost.Mode.V1) {
            targets.add(CgroupFile.of(host.v1Root("cpu"), "cgroup.procs"));
            CgroupFile cpuset = CgroupFile.of(host.v1Root("cpuset"), "cgroup.procs");
            if (cpuset.exists()) {
                targets.add(cpuset);
            }
        } else {
            targets.add(CgroupFile.of(host.root(), "cgroup.procs"));
        }
        for (long pid : killed) {
            for (CgroupFile target : targets) {
                try {
                    target.write(Long.toString(pid));
                } catch (GleanException e) {
                    // ended meanwhile (ESRCH): nothing to free
                }
            }
        }
    }

    /**
     * SIGKILL to every process in the container's cgroup, from the calling thread, spawning nothing (no runc): the
     * lease's enforcement and the guard's evictions run at normal priority while the rest of the agent, and any
     * process it starts, may sit in the idle class on a saturated host. On v1 the freezer holds the container still
     * first (nothing forks between the listing and the signals; a frozen task keeps its SIGKILL until thawed), the
     * killed processes leave the idle class ({@link #releaseCpu}) while frozen, so they exit at once when thawed.
     * cgroup2's {@code cgroup.kill} where the container has a cgroup2 directory with it (v2 hosts; hybrid ones, where
     * runc also joins unified/) ends whatever the listing missed. On v2 without cgroup.kill (kernels before 5.14):
     * the listing, three times. Returns the pids seen and signalled.
     */
    public List<Long> killAll() {
        thaw(); // whoever froze it (the guard, runc pause), the freeze below is ours to undo
        Optional<CgroupFile> cgroupKill = unifiedDir().map(d -> CgroupFile.of(d, "cgroup.kill")).filter(CgroupFile::exists);
        CgroupFile freezer = CgroupFile.of(host.mode() == CgroupHost.Mode.V1 ? v1Dir("freezer") : Path.of("/nonexistent"), "freezer.state");
        List<Long> killed = new ArrayList<>();
        if (freezer.exists()) {
            freezer.write("FROZEN");
            long deadline = System.nanoTime() + 100_000_000L;
            while (!freezer.read().equals("FROZEN") && System.nanoTime() < deadline) {
                // usually frozen at once; a task in an uninterruptible sleep holds it up
                LockSupport.parkNanos(1_000_000L);
            }
            try {
                killed.addAll(signalAll(v1Dir("freezer")));
                cgroupKill.ifPresent(f -> f.write("1"));
                releaseCpu(killed);
            } finally {
                freezer.write("THAWED");
            }
            return killed;
        }
        if (cgroupKill.isPresent()) {
            killed.addAll(pids());
            cgroupKill.get().write("1");
        } else {
            for (int i = 0; i < 3; i++) {
                killed.addAll(signalAll(host.containerDir(host.root(), id)));
            }
        }
        releaseCpu(killed);
        return killed;
    }

    private static List<Long> signalAll(Path dir) {
        List<Long> killed = new ArrayList<>();
        CgroupFile procs = CgroupFile.of(dir, "cgroup.procs");
        if (!procs.exists()) {
            return killed;
        }
        for (String line : procs.read().split("\\n")) {
            try {
                long pid = Long.parseLong(line.trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                    killed.add(pid);
                }
            } catch (NumberFormatException blank) {
                // the empty last line
            }
        }
        return killed;
    }

    /** The container's cgroup in one v1 controller's hierarchy. */
    public Path v1Dir(String controller) {
        return host.containerDir(host.v1Root(controller), id);
    }

    /** The container's cgroup in the cgroup2 hierarchy (the root on v2 hosts, unified/ on hybrid ones). */
    public Optional<Path> unifiedDir() {
        return host.unifiedRoot().map(u -> host.containerDir(u, id));
    }
}
