package dev.glean.agent.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the cgroup filesystems of this host are. {@link Mode#V1}: one hierarchy per controller under
 * {@code root/<controller>} (hybrid hosts also have a cgroup2 at {@code root/unified}, used for PSI, freeze and
 * kill). {@link Mode#V2}: one unified hierarchy at {@code root}. {@code parent} is the name of glean's cgroup,
 * which sits directly under the root of every hierarchy: a low weight only counts against siblings.
 */
public record CgroupHost(Path root, Mode mode, String parent) {
    public enum Mode { V1, V2 }

    public static final String DEFAULT_PARENT = "glean";

    public static CgroupHost detect() {
        return detect(Path.of("/sys/fs/cgroup"), DEFAULT_PARENT);
    }

    public static CgroupHost detect(Path root, String parent) {
        Mode mode = Files.exists(root.resolve("cgroup.controllers")) ? Mode.V2 : Mode.V1;
        return new CgroupHost(root, mode, parent);
    }

    /** The root of a v1 controller's hierarchy (e.g. "cpu", "memory"); handles co-mounts like "cpu,cpuacct". */
    public Path v1Root(String controller) {
        Path direct = root.resolve(controller);
        if (Files.isDirectory(direct)) {
            return direct;
        }
        for (String combo : new String[] {"cpu,cpuacct", "cpuacct,cpu", "net_cls,net_prio"}) {
            if (combo.contains(controller) && Files.isDirectory(root.resolve(combo))) {
                return root.resolve(combo);
            }
        }
        return direct;
    }

    /** glean's parent cgroup in a v1 controller's hierarchy. */
    public Path v1Parent(String controller) {
        return v1Root(controller).resolve(parent);
    }

    /** The cgroup2 hierarchy: the root on v2 hosts, root/unified on hybrid hosts that mount one. */
    public Optional<Path> unifiedRoot() {
        if (mode == Mode.V2) {
            return Optional.of(root);
        }
        Path u = root.resolve("unified");
        return Files.exists(u.resolve("cgroup.procs")) ? Optional.of(u) : Optional.empty();
    }

    /** glean's parent in the cgroup2 hierarchy, if there is one. */
    public Optional<Path> unifiedParent() {
        return unifiedRoot().map(u -> u.resolve(parent));
    }

    /** The absolute cgroupsPath given to runc for one container: {@code /<parent>/<id>}. */
    public String containerCgroupPath(String containerId) {
        return "/" + parent + "/" + containerId;
    }
}
