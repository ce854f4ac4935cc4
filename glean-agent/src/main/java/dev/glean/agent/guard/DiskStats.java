package dev.glean.agent.guard;

import dev.glean.core.guard.GuardReadings.Disk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * partition's io is its disk's. Loop and ram devices and devices that never did io are left out.
 */
public final class DiskStats {
    private final Path diskstats;
    private final Path sysBlock;
    private Map<String, long[]> previous = new HashMap<>();

    public DiskStats(Path procRoot, Path sysBlock) {
        this.diskstats = procRoot.resolve("diskstats");
        this.sysBlock = sysBlock;
    }

    public static DiskStats forHost() {
        return new DiskStats(Path.of("/proc"), Path.of("/sys/block"));
    }

    /** Rates over {@code interval} (the time since the previous call); the first call gives zeros. */
    public synchronized List<Disk> read(Duration interval) {
        List<String> lines;
        try {
            lines = Files.readAllLines(diskstats, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return List.of();
        }
        Map<String, long[]> now = new HashMap<>();
        List<Disk> disks = new ArrayList<>();
        double seconds = interval.toNanos() / 1e9;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 14 || !wholeDisk(f[2])) {
                continue;
            }
            // reads completed, sectors read, writes completed, sectors written, io_ticks (ms)
            long[] v;
            try {
                v = new long[] {Long.parseLong(f[3]), Long.parseLong(f[5]), Long.parseLong(f[7]), Long.parseLong(f[9]),
                        Long.parseLong(f[12])};
            } catch (NumberFormatException e) {
                continue;
            }
            if (v[0] == 0 && v[2] == 0) {
                continue;
            }
            String device = f[0] + ":" + f[1];
            now.put(device, v);
            long[] p = previous.get(device);
            if (p == null || seconds <= 0) {
                disks.add(new Disk(device, 0, 0, 0, 0, 0));
                continue;
            }
            disks.add(new Disk(device, Math.min(1.0, Math.max(0, v[4] - p[4]) / 1000.0 / seconds),
                    rate(v[1] - p[1], 512, seconds), rate(v[3] - p[3], 512, seconds), rate(v[0] - p[0], 1, seconds),
                    rate(v[2] - p[2], 1, seconds)));
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
