package dev.glean.agent.cgroup;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.runtime.ParentLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * glean's parent cgroup, directly under the root of every hierarchy (a low weight only counts against
 * siblings). It carries the lowest CPU weight (cpu.idle=1 where the kernel has it), the lowest io weight where
 * there is one, and the kernel backstops: the memory limit (the node's lendable memory) and pids.max.
 *
 * <p>v1 hosts: one directory per controller hierarchy, plus one in the hybrid cgroup2 (for PSI, freeze and
 * kill). v2 hosts: one directory with the controllers enabled in the root's and its own subtree_control.
 * Everything is idempotent; {@link #apply} can be called again with new limits. A null memory or a pidsMax of
 * zero or less means "no limit".
 */
public final class ParentCgroup {
    /** The v1 hierarchies the parent is made in; those that are not mounted are skipped. */
    static final List<String> V1_CONTROLLERS =
            List.of("cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices", "cpuset");
    /** v2 controllers glean wants delegated to its parent and the containers below it. */
    static final List<String> V2_CONTROLLERS = List.of("cpu", "memory", "pids", "io");
    private static final long V1_UNLIMITED = Long.MAX_VALUE;

    private final CgroupHost host;

    public ParentCgroup(CgroupHost host) {
        this.host = host;
    }

    /**
     * Makes sure the parent exists everywhere and carries the low CPU weight, without touching its limits.
     * Cheap when it is already in place (a few stats and one read), so it can run before every container start:
     * a container must never land in a parent with a normal weight.
     */
    public void ensureCreated() {
        if (host.mode() == CgroupHost.Mode.V2) {
            Path parent = host.root().resolve(host.parent());
            if (!Files.isDirectory(parent) || !lowCpuWeight(parent, false)) {
                createV2();
            }
            return;
        }
        boolean complete = v1Dirs().stream().allMatch(Files::isDirectory)
                && host.unifiedParent().map(Files::isDirectory).orElse(true)
                && lowCpuWeight(host.v1Parent("cpu"), true);
        if (!complete) {
            createV1();
        }
    }

    /** Creates the parent if needed and (re)applies the weights and {@code limits}. */
    public void apply(ParentLimits limits) {
        if (host.mode() == CgroupHost.Mode.V2) {
            Path parent = createV2();
            applyV2Limits(parent, limits);
        } else {
            createV1();
            applyV1Limits(limits);
        }
    }

    // ---- v1 (and hybrid) ----

    private List<Path> v1Dirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String c : V1_CONTROLLERS) {
            Path root = host.v1Root(c);
            if (Files.exists(root.resolve("cgroup.procs"))) {
                dirs.add(root.resolve(host.parent()));
            }
        }
        return new ArrayList<>(dirs);
    }

    private void createV1() {
        for (Path dir : v1Dirs()) {
            mkdir(dir);
        }
        Path cpuset = host.v1Parent("cpuset");
        if (Files.isDirectory(cpuset)) {
            // A new cpuset cgroup has empty cpus/mems and refuses tasks (and children inherit the emptiness).
            for (String knob : List.of("cpuset.cpus", "cpuset.mems")) {
                CgroupFile mine = CgroupFile.of(cpuset, knob);
                if (mine.exists() && mine.read().isEmpty()) {
                    mine.write(CgroupFile.of(host.v1Root("cpuset"), knob).read());
                }
            }
        }
        host.unifiedParent().ifPresent(ParentCgroup::mkdir);
        Path cpu = host.v1Parent("cpu");
        if (Files.isDirectory(cpu)) {
            setLowCpuWeight(cpu, true);
        }
        Path blkio = host.v1Parent("blkio");
        if (Files.isDirectory(blkio)) {
            writeIfPresent(blkio, "blkio.weight", "10"); // the lowest CFQ weight; absent on this kind of host
            writeIfPresent(blkio, "blkio.bfq.weight", "1"); // only effective when bfq is the io scheduler
        }
    }

    private void applyV1Limits(ParentLimits limits) {
        Path memory = host.v1Parent("memory");
        if (Files.isDirectory(memory)) {
            MemoryLimit.setV1(memory, limits.memory() == null
                    ? V1_UNLIMITED : limits.memory().value());
        }
        Path pids = host.v1Parent("pids");
        if (Files.isDirectory(pids)) {
            CgroupFile.of(pids, "pids.max").write(pidsValue(limits.pidsMax()));
        }
    }

    // ---- v2 ----

    private Path createV2() {
        Path root = host.root();
        Path parent = root.resolve(host.parent());
        mkdir(parent);
        Set<String> available = Set.copyOf(Arrays.asList(CgroupFile.of(root, "cgroup.controllers").read().split("\\s+")));
        List<String> wanted = V2_CONTROLLERS.stream().filter(available::contains).toList();
        enableControllers(root, wanted);
        enableControllers(parent, wanted);
        setLowCpuWeight(parent, false);
        writeIfPresent(parent, "io.weight", "default 1");
        writeIfPresent(parent, "io.bfq.weight", "default 1");
        return parent;
    }

    private static void enableControllers(Path cgroup, List<String> wanted) {
        CgroupFile control = CgroupFile.of(cgroup, "cgroup.subtree_control");
        Set<String> enabled = Set.copyOf(Arrays.asList(control.read().split("\\s+")));
        List<String> missing = wanted.stream().filter(c -> !enabled.contains(c)).toList();
        if (!missing.isEmpty()) {
            control.write(String.join(" ", missing.stream().map(c -> "+" + c).toList()));
        }
    }

    private static void applyV2Limits(Path parent, ParentLimits limits) {
        if (CgroupFile.of(parent, "memory.max").exists()) {
            MemoryLimit.setV2(parent, limits.memory() == null ? Long.MAX_VALUE : limits.memory().value());
        }
        if (CgroupFile.of(parent, "pids.max").exists()) {
            CgroupFile.of(parent, "pids.max").write(pidsValue(limits.pidsMax()));
        }
    }

    // ---- shared ----

    /** cpu.idle=1 where the kernel has it (5.15+), else the lowest weight: cpu.shares=2 (v1), cpu.weight=1 (v2). */
    private static void setLowCpuWeight(Path cpu, boolean v1) {
        CgroupFile idle = CgroupFile.of(cpu, "cpu.idle");
        if (idle.exists()) {
            if (!idle.read().equals("1")) {
                idle.write("1");
            }
        } else if (v1) {
            CgroupFile.of(cpu, "cpu.shares").write("2");
        } else {
            writeIfPresent(cpu, "cpu.weight", "1");
        }
    }

    private static boolean lowCpuWeight(Path cpu, boolean v1) {
        CgroupFile idle = CgroupFile.of(cpu, "cpu.idle");
        if (idle.exists()) {
            return idle.read().equals("1");
        }
        CgroupFile weight = CgroupFile.of(cpu, v1 ? "cpu.shares" : "cpu.weight");
        return !weight.exists() || weight.read().equals(v1 ? "2" : "1");
    }

    private static String pidsValue(long pidsMax) {
        return pidsMax > 0 ? Long.toString(pidsMax) : "max";
    }

    private static void writeIfPresent(Path dir, String name, String value) {
        CgroupFile f = CgroupFile.of(dir, name);
        if (f.exists()) {
            f.write(value);
        }
    }

    private static void mkdir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot create cgroup " + dir + ": " + CgroupFile.reason(e), e);
        }
    }
}
