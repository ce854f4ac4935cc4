package dev.glean.agent.runtime;

import dev.glean.agent.cgroup.CgroupHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What {@link RuncRuntime} needs from the host, checked without side effects (for {@code glean doctor} and tests). */
final class HostProbe {
    private HostProbe() {}

    static Optional<String> check(Path runc, Path conmon, CgroupHost cgroups) {
        List<String> missing = new ArrayList<>();
        if (uid() != 0) {
            missing.add("root (the agent runs runc and writes cgroups as root; running as uid " + uid() + ")");
        }
        if (!Files.isExecutable(runc)) {
            missing.add("runc at " + runc + " (Debian/Ubuntu: apt install runc)");
        }
        if (!Files.isExecutable(conmon)) {
            missing.add("conmon at " + conmon + " (Debian/Ubuntu: apt install conmon)");
        }
        if (!Files.isExecutable(Path.of("/bin/sh"))) {
            missing.add("/bin/sh (it hands conmon its sync pipe)");
        }
        if (readLong(Path.of("/proc/sys/user/max_user_namespaces")) == 0) {
            missing.add("user namespaces (/proc/sys/user/max_user_namespaces is 0)");
        }
        if (cgroups.mode() == CgroupHost.Mode.V2) {
            Set<String> controllers = Set.copyOf(Arrays.asList(read(cgroups.root().resolve("cgroup.controllers")).split("\\s+")));
            for (String c : List.of("cpu", "memory", "pids")) {
                if (!controllers.contains(c)) {
                    missing.add("the cgroup2 controller '" + c + "' at " + cgroups.root());
                }
            }
        } else {
            for (String c : List.of("cpu", "cpuacct", "memory", "pids", "freezer", "cpuset", "devices")) {
                if (!Files.exists(cgroups.v1Root(c).resolve("cgroup.procs"))) {
                    missing.add("the cgroup v1 controller '" + c + "' mounted at " + cgroups.v1Root(c));
                }
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("missing: " + String.join("; ", missing));
    }

    /** The host's NOFILE hard limit (what runc may give a container without CAP_SYS_RESOURCE), at most 65536. */
    static long nofileLimit() {
        for (String line : read(Path.of("/proc/self/limits")).split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                try {
                    return Math.min(65_536, Long.parseLong(f[1]));
                } catch (RuntimeException e) {
                    return 65_536; // "unlimited"
                }
            }
        }
        return 1024;
    }

    private static int uid() {
        for (String line : read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]); // effective uid
            }
        }
        return -1;
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(read(p).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
