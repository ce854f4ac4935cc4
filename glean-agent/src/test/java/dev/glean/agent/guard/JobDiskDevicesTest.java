package dev.glean.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs' disk devices from a mountinfo file, and the disk their images live on (a real one: GuardRealHostTest). */
class JobDiskDevicesTest {
    @TempDir
    Path tmp;

    @Test
    void eachContainersLoopDeviceIsFoundByItsMountPointOthersAreNot() throws Exception {
        Path state = tmp.resolve("my state");
        Files.createDirectories(state);
        Path mountinfo = tmp.resolve("mountinfo");
        String s = state.toString().replace(" ", "\\040");
        Files.writeString(mountinfo, String.join("\n",
                "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
                "301 22 7:3 / " + s + "/g-1-0-1/disk rw,nosuid,nodev,relatime shared:180 - ext4 /dev/loop3 rw,discard",
                "302 22 7:5 / " + s + "/g-2-0-1/disk rw,nosuid,nodev,relatime shared:181 - ext4 /dev/loop5 rw,discard",
                "303 22 7:6 / " + s + "/g-2-0-1/disk/nested rw - ext4 /dev/loop6 rw",
                "304 22 7:7 / /elsewhere/g-3-0-1/disk rw - ext4 /dev/loop7 rw", ""));
        JobDiskDevices d = new JobDiskDevices(state, mountinfo, tmp.resolve("sys"));

        assertEquals(Map.of("g-1-0-1", "7:3", "g-2-0-1", "7:5"), d.of(List.of("g-1-0-1", "g-2-0-1", "g-3-0-1")),
                "g-3-0-1 has no disk under this state directory");
        assertEquals(Map.of(), d.of(List.of()));
        assertEquals(Map.of(), new JobDiskDevices(state, tmp.resolve("missing"), tmp).of(List.of("g-1-0-1")),
                "no mountinfo: nothing to add to the disk's throttle");
    }

    @Test
    void theImagesDiskIsTheDiskOfTheStateDirectoryAndAPartitionCountsAsItsDisk() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        // The state directory's device number as util-linux tells it, not as the code under test decodes it.
        Process p = new ProcessBuilder("findmnt", "-no", "MAJ:MIN", "-T", state.toString()).start();
        String mm = new String(p.getInputStream().readAllBytes()).trim();
        boolean blockDevice = p.waitFor() == 0 && mm.matches("\\d+:\\d+") && !mm.startsWith("0:");
        org.junit.jupiter.api.Assumptions.assumeTrue(blockDevice,
                "needs findmnt and a block device under the temp dir: " + mm);

        Path whole = Files.createDirectories(tmp.resolve("sys")); // no entry for it: not a partition
        assertTrue(new JobDiskDevices(state, tmp.resolve("none"), whole).imagesOn(mm), "a whole disk is itself");
        assertFalse(new JobDiskDevices(state, tmp.resolve("none"), whole).imagesOn("8:99"));

        // /sys/dev/block/MAJ:MIN of a partition links into its disk's directory, which has the disk's dev
        Path disk = Files.createDirectories(tmp.resolve("devices/block/sdz"));
        Files.writeString(disk.resolve("dev"), "8:240\n");
        Path part = Files.createDirectories(disk.resolve("sdz1"));
        Files.writeString(part.resolve("partition"), "1\n");
        Path parts = Files.createDirectories(tmp.resolve("sys-parts"));
        Files.createSymbolicLink(parts.resolve(mm), part);
        JobDiskDevices onPartition = new JobDiskDevices(state, tmp.resolve("none"), parts);
        assertTrue(onPartition.imagesOn("8:240"));
        assertFalse(onPartition.imagesOn(mm));
    }
}
