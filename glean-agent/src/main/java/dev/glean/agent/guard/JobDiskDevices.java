package dev.glean.agent.guard;

import dev.glean.agent.runtime.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The block devices of the jobs' own disks: each job's /work and /tmp live on an image in the agent's state
 * directory, loop-mounted at {@code <stateDir>/<id>/disk} (see the runtime's JobDisk). A v1 blkio throttle on the
 * host's disk does not hold a job writing there: the loop device writes its image through the page cache, and the
 * kernel's writeback of it is nobody's cgroup on v1 (measured here: 200 MiB written at once under a 4 MiB/s
 * throttle on the disk; 32 MiB in 8 s with the same throttle on the loop device). So where the images' disk is
 * throttled, each job's loop device is throttled as well.
 */
public final class JobDiskDevices {
    private final Path stateDir;
    private final Path mountinfo;
    private final Path sysDevBlock;
    private String imagesDisk;

    JobDiskDevices(Path stateDir, Path mountinfo, Path sysDevBlock) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.mountinfo = mountinfo;
        this.sysDevBlock = sysDevBlock;
    }

    public static JobDiskDevices forHost(Path stateDir) {
        return new JobDiskDevices(stateDir, Path.of("/proc/self/mountinfo"), Path.of("/sys/dev/block"));
    }

    /** "MAJ:MIN" of the job disk of each of {@code ids} that has one mounted. */
    Map<String, String> of(Collection<String> ids) {
        Map<String, String> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        try {
            Map<String, String> mounts = MountTable.read(mountinfo);
            for (String id : ids) {
                String device = mounts.get(MountTable.jobDisk(stateDir, id).toString());
                if (device != null) {
                    out.put(id, device);
                }
            }
        } catch (IOException e) {
            // no job disk to throttle is the safe answer: the disk's own throttle stays
        }
        return out;
    }

    /** Whether the job disks' images live on {@code device} ("MAJ:MIN" of a whole disk, as the guard reads disks). */
    boolean imagesOn(String device) {
        String disk = imagesDisk();
        return disk == null || disk.equals(device);
    }

    /** The whole disk that holds the state directory, null when it cannot be told (then every disk counts). */
    private synchronized String imagesDisk() {
        if (imagesDisk == null) {
            try {
                long dev = (Long) Files.getAttribute(stateDir, "unix:dev");
                // glibc's major()/minor() of a dev_t
                long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
                long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
                String mm = major + ":" + minor;
                Path sys = sysDevBlock.resolve(mm);
                // a partition's io is its disk's: /sys/dev/block/MAJ:MIN of a partition sits in its disk's directory
                if (Files.exists(sys.resolve("partition"))) {
                    Path disk = sys.toRealPath().getParent().resolve("dev");
                    mm = Files.readString(disk, StandardCharsets.US_ASCII).trim();
                }
                imagesDisk = mm;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
                return null;
            }
        }
        return imagesDisk;
    }
}
