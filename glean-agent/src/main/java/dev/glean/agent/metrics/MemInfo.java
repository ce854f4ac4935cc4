package dev.glean.agent.metrics;

import dev.glean.core.resources.Bytes;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The fields of /proc/meminfo glean uses, in bytes (the file prints kB = KiB).
 *
 * <p>{@link #available()} is the kernel's MemAvailable: free memory plus what it can reclaim without
 * swapping (most page cache, reclaimable slab). That is the "not counting page cache as used" view. On
 * kernels before 3.14 there is no MemAvailable; then it is estimated as MemFree + Active(file) +
 * Inactive(file) + SReclaimable (never more than MemTotal).
 */
public record MemInfo(long total, long free, long available, long buffers, long cached, long shmem,
        long activeFile, long inactiveFile, long swapTotal, long swapFree) {

    private static final byte[][] KEYS = TextBuffer.keys("MemTotal", "MemFree", "MemAvailable", "Buffers",
            "Cached", "Shmem", "Active(file)", "Inactive(file)", "SwapTotal", "SwapFree", "SReclaimable");

    /** Size of the array {@link #parse(TextBuffer, long[])} fills. */
    static final int VALUES = KEYS.length;

    public Bytes memoryTotal() {
        return new Bytes(total);
    }

    public Bytes memoryAvailable() {
        return new Bytes(available);
    }

    /** Page cache on the file LRU lists (shmem/tmpfs excluded: without swap it cannot be dropped). */
    public long pageCache() {
        return activeFile + inactiveFile;
    }

    public static MemInfo parse(String text) {
        return parse(TextBuffer.of(text));
    }

    public static MemInfo read(Path file) throws IOException {
        TextBuffer t = new TextBuffer(4096);
        if (!t.read(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return parse(t);
    }

    static MemInfo parse(TextBuffer t) {
        long[] v = new long[KEYS.length];
        parse(t, v);
        return new MemInfo(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    }

    /** Fills {@code v} (indexes as {@link #KEYS}) with bytes; lets {@link HostSampler} skip the record. */
    static void parse(TextBuffer t, long[] v) {
        java.util.Arrays.fill(v, TextBuffer.MISSING);
        t.scanKeys(KEYS, v);
        if (v[0] == TextBuffer.MISSING || v[0] < 0) {
            throw new IllegalArgumentException("not /proc/meminfo: no MemTotal: '" + t.snippet() + "'");
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] == TextBuffer.MISSING ? (i == 2 ? TextBuffer.MISSING : 0) : kib(v[i]);
        }
        if (v[2] == TextBuffer.MISSING) {
            v[2] = Math.min(v[0], v[1] + v[6] + v[7] + v[10]);
        }
    }

    static long total(long[] v) {
        return v[0];
    }

    static long available(long[] v) {
        return Math.min(v[0], Math.max(0, v[2]));
    }

    private static long kib(long kb) {
        return kb <= 0 ? 0 : kb > Long.MAX_VALUE / 1024 ? Long.MAX_VALUE : kb * 1024;
    }
}
