package dev.glean.agent.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The host's mounts as a mountinfo file lists them (/proc/self/mountinfo): mount point to the "MAJ:MIN" of what is
 * mounted there. Fields: mount id, parent id, MAJ:MIN, root, mount point (a space in it written as \040), ...
 */
public final class MountTable {
    private MountTable() {}

    public static Map<String, String> read(Path mountinfo) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ", 6);
            if (f.length > 4) {
                out.put(f[4].replace("\\040", " "), f[2]);
            }
        }
        return out;
    }

    /** Where the runtime mounts container {@code id}'s own disk under {@code stateDir} (see JobDisk). */
    public static Path jobDisk(Path stateDir, String id) {
        return ContainerLayout.of(stateDir, id).disk();
    }
}
