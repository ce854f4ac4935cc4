package dev.glean.agent.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cgroups runc makes for a container on a v1 host — cpu and freezer under glean's parent, and the hybrid cgroup2's
 * where there is one — for tests that start a process in a container by hand.
 */
public final class ContainerLeaves {
    /** Makes a directory and records it for the test's clean-up. */
    @FunctionalInterface
    public interface Maker {
        Path make(Path dir) throws Exception;
    }

    private ContainerLeaves() {}

    /**
     * Makes container {@code id}'s cgroups (and the parents, through {@code mkdir}) and returns a shell prefix that moves
     * the shell running it into all of them: {@code sh -c PREFIX + "exec ..."}.
     */
    public static String joinPrefix(CgroupHost host, String id, Maker mkdir) throws Exception {
        List<Path> leaves = new ArrayList<>();
        leaves.add(mkdir.make(mkdir.make(host.v1Parent("cpu")).resolve(id)));
        leaves.add(mkdir.make(mkdir.make(host.v1Parent("freezer")).resolve(id)));
        Optional<Path> unified = host.unifiedParent();
        if (unified.isPresent()) {
            leaves.add(mkdir.make(mkdir.make(unified.get()).resolve(id)));
        }
        StringBuilder join = new StringBuilder();
        for (Path leaf : leaves) {
            join.append("echo $$ > ").append(leaf.resolve("cgroup.procs")).append("; ");
        }
        return join.toString();
    }
}
