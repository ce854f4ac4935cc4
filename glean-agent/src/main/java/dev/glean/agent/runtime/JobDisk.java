package dev.glean.agent.runtime;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A job's private filesystem for its writable /work and /tmp, so a job that fills them gets ENOSPC instead of
 * filling the host's disk: a sparse file of the job's disk size ({@code disk.img} in the container's directory),
 * formatted ext4 and mounted through a loop device at {@code disk/}. The host's filesystem here (ext4 without the
 * quota feature) offers no project quotas, and a tmpfs would take the space from memory, which is what a node lends
 * least. Sparse and mounted with {@code discard}: the host holds only what the job has written and still keeps.
 *
 * <p>Measured here: mkfs and mount add 70-300 ms of wall time to a start on a quiet host, ~0.9 s while other builds
 * ran, and 20-80 ms of CPU; the loop device goes away with the unmount ({@code mount -o loop} sets autoclear).
 */
final class JobDisk {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private JobDisk() {}

    /** Makes and mounts the job's filesystem of {@code bytes} at {@code layout.disk()}. */
    static void create(ContainerLayout layout, long bytes) {
        Path image = layout.diskImage();
        try {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(bytes); // sparse: nothing is allocated yet
            }
            Files.setAttribute(image, "unix:mode", 0600);
            Files.createDirectories(layout.disk());
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot make the disk of " + layout.id() + ": " + e.getMessage(), e);
        }
        // No journal and no reserved blocks: a scratch space that dies with the job; lazy init keeps mkfs quick.
        run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal", "-E",
                "lazy_itable_init=1,nodiscard", image.toString()), layout);
        run(List.of("mount", "-t", "ext4", "-o", "loop,discard,nosuid,nodev", image.toString(),
                layout.disk().toString()), layout);
    }

    /** Unmounts the job's filesystem if it is mounted (lazily if something still holds it). Idempotent. */
    static void release(ContainerLayout layout) {
        if (!mounted(layout.disk())) {
            return;
        }
        HostCommand.Result r = HostCommand.run(List.of("umount", layout.disk().toString()), COMMAND_TIMEOUT);
        if (!r.ok() && mounted(layout.disk())) {
            HostCommand.Result lazy = HostCommand.run(List.of("umount", "-l", layout.disk().toString()), COMMAND_TIMEOUT);
            if (!lazy.ok()) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot unmount the disk of " + layout.id() + ": "
                        + RuncMessage.oneLine(lazy.output()));
            }
        }
    }

    /** Whether {@code dir} is a mount point, from /proc/self/mountinfo (field 5 is the mount point). */
    static boolean mounted(Path dir) {
        String target = dir.toAbsolutePath().normalize().toString();
        try {
            return MountTable.read(Path.of("/proc/self/mountinfo")).containsKey(target);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command, ContainerLayout layout) {
        HostCommand.Result r = HostCommand.run(command, COMMAND_TIMEOUT);
        if (!r.ok()) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot make the disk of " + layout.id() + " ("
                    + command.get(0) + "): " + RuncMessage.oneLine(r.output())
                    + "; set agent.diskPerJob: 0 to run jobs without a disk limit");
        }
    }
}
