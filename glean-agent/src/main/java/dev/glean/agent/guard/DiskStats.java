package dev.glean.agent.guard;

import dev.glean.agent.metrics.OpenFiles;
import dev.glean.agent.metrics.TextBuffer;
import dev.glean.core.guard.GuardReadings.Disk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole block devices from /proc/diskstats, as rates since the previous call: utilisation (the io_ticks column, ms
 * the device had io in flight), bytes (sectors are 512 bytes whatever the device's own sector size) and
 * operations per second. Whole devices only, those with a /sys/block entry: throttles act on them, and a
 * partition's io is its disk's. Loop and ram devices and devices that never did io are left out. The file stays
 * open between calls on the kernel's /proc (one positional read a call) and is parsed in place.
 */
public final class DiskStats {
    private final Path diskstats;
    private final Path sysBlock;
    private final OpenFiles files;
    private final TextBuffer text = new TextBuffer(4096);
    /** Whether a device name is a whole disk (/sys/block/NAME exists), decided once per name. */
    private final Map<String, Boolean> whole = new HashMap<>();
    private Map<String, long[]> previous = new HashMap<>();

    public DiskStats(Path procRoot, Path sysBlock) {
        this.diskstats = procRoot.resolve("diskstats");
        this.sysBlock = sysBlock;
        this.files = new OpenFiles(OpenFiles.isKernelFileSystem(procRoot));
    }

    public static DiskStats forHost() {
        return new DiskStats(Path.of("/proc"), Path.of("/sys/block"));
    }

    /** Rates over {@code interval} (the time since the previous call); the first call gives zeros. */
    public synchronized List<Disk> read(Duration interval) {
        try {
            if (!files.read(diskstats, text)) {
                return List.of();
            }
        } catch (IOException e) {
            return List.of();
        } finally {
            files.sweep();
        }
        Map<String, long[]> now = new HashMap<>();
        List<Disk> disks = new ArrayList<>();
        double seconds = interval.toNanos() / 1e9;
        // "   8       0 sda 1234 ..." : major, minor, name, then the counters (field 3 on, as numbered below)
        long[] f = new long[14];
        int p = 0;
        while (p < text.length()) {
            int end = text.lineEnd(p);
            int line = p;
            p = end + 1;
            text.position(line);
            long major = text.nextLong(end);
            long minor = text.nextLong(end);
            int nameStart = text.position();
            while (nameStart < end && text.at(nameStart) == ' ') {
                nameStart++;
            }
            int nameEnd = nameStart;
            while (nameEnd < end && text.at(nameEnd) != ' ') {
                nameEnd++;
            }
            if (major == TextBuffer.MISSING || minor == TextBuffer.MISSING || nameEnd == nameStart) {
                continue;
            }
            text.position(nameEnd);
            int n = 3;
            while (n < f.length) {
                long v = text.nextLong(end);
                if (v == TextBuffer.MISSING) {
                    break;
                }
                f[n++] = v;
            }
            if (n < f.length) {
                continue;
            }
            // reads completed, sectors read, writes completed, sectors written, io_ticks (ms)
            long[] v = {f[3], f[5], f[7], f[9], f[12]};
            if (v[0] == 0 && v[2] == 0) {
                continue;
            }
            String name = text.string(nameStart, nameEnd);
            if (!whole.computeIfAbsent(name, this::wholeDisk)) {
                continue;
            }
            String device = major + ":" + minor;
            now.put(device, v);
            long[] prev = previous.get(device);
            if (prev == null || seconds <= 0) {
                disks.add(new Disk(device, 0, 0, 0, 0, 0));
                continue;
            }
            disks.add(new Disk(device, Math.min(1.0, Math.max(0, v[4] - prev[4]) / 1000.0 / seconds),
                    rate(v[1] - prev[1], 512, seconds), rate(v[3] - prev[3], 512, seconds), rate(v[0] - prev[0], 1, seconds),
                    rate(v[2] - prev[2], 1, seconds)));
        }
        previous = now;
        return disks;
    }

    private boolean wholeDisk(String name) {
        return !name.startsWith("loop") && !name.startsWith("ram") && Files.exists(sysBlock.resolve(name));
    }

    private static long rate(long delta, long unit, double seconds) {
        return delta <= 0 ? 0 : Math.round(delta * unit / seconds);
    }
}
