package dev.glean.agent.cgroup;

import java.nio.file.Path;
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

    /** The container's cgroup in one v1 controller's hierarchy. */
    public Path v1Dir(String controller) {
        return host.containerDir(host.v1Root(controller), id);
    }

    /** The container's cgroup in the cgroup2 hierarchy (the root on v2 hosts, unified/ on hybrid ones). */
    public Optional<Path> unifiedDir() {
        return host.unifiedRoot().map(u -> host.containerDir(u, id));
    }
}
