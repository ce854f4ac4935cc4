package dev.glean.agent.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared reading helpers of the cgroup readers: one reusable buffer, "cgroup is gone" handling, memory split. */
final class CgroupFiles {
    /** v1 unlimited prints PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712 with 4 KiB pages); treat as unlimited. */
    static final long V1_UNLIMITED_FLOOR = Long.MAX_VALUE - (1L << 20);

    private static final byte[][] V1_CACHE_KEYS = TextBuffer.keys("total_active_file", "total_inactive_file",
            "total_cache", "total_shmem");
    private static final byte[][] V2_CACHE_KEYS = TextBuffer.keys("active_file", "inactive_file", "file", "shmem");

    final TextBuffer text = new TextBuffer(4096);
    private final long[] four = new long[4];
    /** Kept-open files (owned by a {@link HostSampler}), or null to open and close each file. */
    private final OpenFiles openFiles;

    CgroupFiles(OpenFiles openFiles) {
        this.openFiles = openFiles;
    }

    /**
     * Reads {@code dir/name} into {@link #text}.
     *
     * @return false if the file or its cgroup does not exist (also when the cgroup is removed during the read:
     *     the kernel then fails the read with ENODEV)
     */
    boolean read(Path dir, String name) {
        try {
            Path file = dir.resolve(name);
            return openFiles == null ? text.read(file) : openFiles.read(file, text);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) {
                return false;
            }
            throw new UncheckedIOException(e);
        }
    }

    /** A file holding one number; {@link TextBuffer#MISSING} if absent, {@link Long#MAX_VALUE} for "max". */
    long readLong(Path dir, String name) {
        if (!read(dir, name)) {
            return TextBuffer.MISSING;
        }
        text.position(0);
        long v = text.nextLong(text.lineEnd(0));
        if (v == TextBuffer.MISSING) {
            return text.startsWith(0, MAX) ? Long.MAX_VALUE : TextBuffer.MISSING;
        }
        return v;
    }

    private static final byte[] MAX = TextBuffer.ascii("max");

    /** Page cache (file LRU) of a v1 memory.stat held in {@code t}; see {@link CgroupStats}. */
    long pageCacheV1(TextBuffer t) {
        return pageCache(t, V1_CACHE_KEYS);
    }

    /** Page cache (file LRU) of a v2 memory.stat held in {@code t}; see {@link CgroupStats}. */
    long pageCacheV2(TextBuffer t) {
        return pageCache(t, V2_CACHE_KEYS);
    }

    private long pageCache(TextBuffer t, byte[][] keys) {
        long[] v = four;
        v[0] = v[1] = v[2] = v[3] = 0;
        long found = t.scanKeys(keys, v);
        for (int i = 0; i < 4; i++) {
            v[i] = Math.max(0, v[i]);
        }
        if ((found & 0b11) != 0) {
            return v[0] + v[1];
        }
        return Math.max(0, v[2] - v[3]);
    }

    static long nonNegative(long v) {
        return v == TextBuffer.MISSING ? 0 : Math.max(0, v);
    }

    /** Resolves a cgroup path relative to a hierarchy root; rejects "..", "." and empty segments. */
    static Path resolve(Path root, String cgroup) {
        int from = 0;
        int n = cgroup.length();
        while (from < n && cgroup.charAt(from) == '/') {
            from++;
        }
        if (from == n) {
            return root;
        }
        int seg = from;
        for (int i = from; i <= n; i++) {
            if (i == n || cgroup.charAt(i) == '/') {
                int len = i - seg;
                if (len == 0 && i != n || len == 1 && cgroup.charAt(seg) == '.'
                        || len == 2 && cgroup.charAt(seg) == '.' && cgroup.charAt(seg + 1) == '.') {
                    throw new IllegalArgumentException("not a cgroup path: '" + cgroup + "'");
                }
                seg = i + 1;
            }
        }
        if (cgroup.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a cgroup path: '" + cgroup + "'");
        }
        return root.resolve(from == 0 ? cgroup : cgroup.substring(from));
    }

    static String checkName(String id) {
        if (id == null || id.isEmpty() || id.equals(".") || id.equals("..") || id.indexOf('/') >= 0
                || id.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a container id usable as a cgroup name: '" + id + "'");
        }
        return id;
    }
}
