package dev.glean.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where the cgroup filesystems of this host are. {@link Mode#V1}: one hierarchy per controller under
 * {@code root/<controller>} (hybrid hosts also have a cgroup2 at {@code root/unified}, used for PSI, freeze and
 * kill). {@link Mode#V2}: one unified hierarchy at {@code root}. {@code parent} is the name of glean's cgroup,
 * which sits directly under the root of every hierarchy: a low weight only counts against siblings.
 */
public record CgroupHost(Path root, Mode mode, String parent) {
    public enum Mode { V1, V2 }

    public static final String DEFAULT_PARENT = "glean";

    /**
     * The path of the cgroup that schedules a process's CPU, from the lines of its /proc/PID/cgroup (v1: the cpu
     * hierarchy's, "4:cpu,cpuacct:/user.slice" -> "/user.slice"; v2: the unified one's), or null when none is named.
     */
    public String cpuCgroup(java.util.List<String> procCgroupLines) {
        for (String line : procCgroupLines) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = line.substring(a + 1, b);
            boolean schedules = mode == Mode.V2 ? controllers.isEmpty() : java.util.List.of(controllers.split(",")).contains("cpu");
            if (schedules) {
                return line.substring(b + 1);
            }
        }
        return null;
    }

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

    /**
     * Every mounted hierarchy: on v2 the root; on v1 each directory under the root that is a cgroup (has
     * {@code cgroup.procs}), including named ones like name=systemd and the hybrid cgroup2 at unified/. runc
     * creates a container's cgroup in all of them, so cleanup must visit all of them. Co-mounts reached by
     * several names (cpu -> cpu,cpuacct) are listed once.
     */
    public List<Path> hierarchies() {
        if (mode == Mode.V2) {
            return List.of(root);
        }
        List<Path> found = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path dir : children.sorted().toList()) {
                if (Files.isDirectory(dir) && Files.exists(dir.resolve("cgroup.procs")) && seen.add(realPath(dir))) {
                    found.add(dir);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return found;
    }

    /** A container's cgroup directory inside one hierarchy (see {@link #containerCgroupPath}). */
    public Path containerDir(Path hierarchy, String containerId) {
        return hierarchy.resolve(parent).resolve(containerId);
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
