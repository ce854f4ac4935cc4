package dev.glean.agent.guard;

import java.util.List;
import java.util.Set;

/**
 * The incumbents an admin names as protected: processes by name (the kernel's comm, as `ps -o comm` shows it,
 * at most 15 characters) and cgroups by path ("/system.slice/postgresql.service", matched in any hierarchy, with
 * everything below it). Every incumbent counts; these are watched more closely: their run-queue wait is read at
 * every guard step even while they are idle (an idle database that wakes is measured from its first request, not
 * from the next pass over /proc), in at most half of the processes the guard follows. (Their cgroups' pressure needs
 * no reading of its own: a cgroup's stall time never exceeds its top-level ancestor's, which is read already.)
 */
public record ProtectedIncumbents(Set<String> processes, List<String> cgroups) {
    public static final ProtectedIncumbents NONE = new ProtectedIncumbents(Set.of(), List.of());

    public ProtectedIncumbents {
        processes = Set.copyOf(processes);
        cgroups = cgroups.stream().map(ProtectedIncumbents::normalise).toList();
    }

    private static String normalise(String path) {
        String p = path.startsWith("/") ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    public boolean isEmpty() {
        return processes.isEmpty() && cgroups.isEmpty();
    }

    public boolean matchesName(String comm) {
        return processes.contains(comm);
    }

    /** Whether any line of /proc/&lt;pid&gt;/cgroup ("4:cpu,cpuacct:/system.slice/x") lies in a protected cgroup. */
    public boolean matchesCgroups(List<String> cgroupLines) {
        if (cgroups.isEmpty()) {
            return false;
        }
        for (String line : cgroupLines) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String path = line.substring(b + 1);
            for (String c : cgroups) {
                if (c.equals("/") || path.equals(c) || path.startsWith(c + "/")) {
                    return true;
                }
            }
        }
        return false;
    }
}
