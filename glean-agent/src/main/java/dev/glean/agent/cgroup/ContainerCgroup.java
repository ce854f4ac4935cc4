package dev.glean.agent.cgroup;

import dev.glean.core.error.GleanException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    /** The container's cgroup in one v1 controller's hierarchy. */
    public Path v1Dir(String controller) {
        return host.containerDir(host.v1Root(controller), id);
    }

    /** The container's cgroup in the cgroup2 hierarchy (the root on v2 hosts, unified/ on hybrid ones). */
    public Optional<Path> unifiedDir() {
        return host.unifiedRoot().map(u -> host.containerDir(u, id));
    }
}
