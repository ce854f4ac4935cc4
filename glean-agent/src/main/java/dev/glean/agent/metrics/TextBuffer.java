package dev.glean.agent.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One small kernel text file (procfs, cgroupfs) held in a reusable byte array, with allocation-free parsing
 * helpers: no regex, no String per line. The kernel writes these files in ASCII. Not thread-safe: each owner
 * keeps its own buffer.
 */
public final class TextBuffer {
    /** Returned by the number parsers when there is no number where one was expected. */
    public static final long MISSING = Long.MIN_VALUE;

    private byte[] bytes;
    private int length;
    /** Cursor of the number parsers. */
    private int pos;

    TextBuffer() {
        this(4096);
    }

    public TextBuffer(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    static TextBuffer of(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        TextBuffer t = new TextBuffer(b.length);
        System.arraycopy(b, 0, t.bytes, 0, b.length);
        t.length = b.length;
        return t;
    }

    /**
     * Reads the whole file into the buffer, growing it if needed.
     *
     * @return false if the file does not exist (the buffer is then empty)
     */
    public boolean read(Path file) throws IOException {
        length = 0;
        pos = 0;
        try (FileChannel ch = FileChannel.open(file)) {
            read(ch);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Reads an open file from offset 0 (pread: the channel's position is not used). procfs and cgroupfs files
     * produce fresh content on every read from offset 0, so a kept channel can be read again and again; a
     * cgroup file whose cgroup was removed fails with ENODEV (an IOException).
     */
    public void read(FileChannel ch) throws IOException {
        length = 0;
        pos = 0;
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        while (true) {
            if (!bb.hasRemaining()) {
                int n = bb.position();
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
                bb = ByteBuffer.wrap(bytes);
                bb.position(n);
            }
            int want = bb.remaining();
            int got = ch.read(bb, bb.position());
            if (got < 0) {
                break;
            }
            // procfs and cgroupfs files are seq_files: a read fills the whole buffer unless the content ran
            // out, so a short read that ends a line is the end. Skipping the read that would return EOF saves
            // ~2-4 us per file here. Anything else reads on to EOF.
            if (got < want && got > 0 && bytes[bb.position() - 1] == '\n') {
                break;
            }
        }
        length = bb.position();
    }

    public int length() {
        return length;
    }

    public int position() {
        return pos;
    }

    public void position(int p) {
        pos = p;
    }

    /** Index of the '\n' ending the line that starts at or contains {@code from}, or {@link #length()}. */
    public int lineEnd(int from) {
        int i = from;
        while (i < length && bytes[i] != '\n') {
            i++;
        }
        return i;
    }

    /** End of the first token of the line at {@code from}: the first space, tab or ':' (or {@code end}). */
    public int keyEnd(int from, int end) {
        int i = from;
        while (i < end) {
            byte b = bytes[i];
            if (b == ' ' || b == '\t' || b == ':') {
                break;
            }
            i++;
        }
        return i;
    }

    public boolean regionEquals(int from, int to, byte[] key) {
        if (to - from != key.length) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (bytes[from + i] != key[i]) {
                return false;
            }
        }
        return true;
    }

    boolean startsWith(int from, byte[] prefix) {
        if (from + prefix.length > length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    public byte at(int i) {
        return i < length ? bytes[i] : 0;
    }

    /**
     * The next integer at the cursor, before {@code end}: skips spaces, tabs and ':' first, moves the cursor
     * past the digits. Saturates at {@link Long#MAX_VALUE} (a few cgroup files print u64 values).
     *
     * @return the value, or {@link #MISSING} if no digits come next (for example "max")
     */
    public long nextLong(int end) {
        int i = skipSeparators(pos, end);
        boolean negative = false;
        if (i < end && bytes[i] == '-') {
            negative = true;
            i++;
        }
        int start = i;
        long v = 0;
        while (i < end) {
            int d = bytes[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            v = v > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : v * 10 + d;
            i++;
        }
        if (i == start) {
            pos = i;
            return MISSING;
        }
        pos = i;
        return negative ? -v : v;
    }

    /** The next decimal like "17.61" at the cursor (same rules as {@link #nextLong}); NaN if none. */
    double nextDecimal(int end) {
        int i = skipSeparators(pos, end);
        int start = i;
        long whole = 0;
        while (i < end && bytes[i] >= '0' && bytes[i] <= '9') {
            whole = whole * 10 + (bytes[i] - '0');
            i++;
        }
        double v = whole;
        if (i < end && bytes[i] == '.') {
            i++;
            long frac = 0;
            long scale = 1;
            while (i < end && bytes[i] >= '0' && bytes[i] <= '9') {
                if (scale < 1_000_000_000_000L) {
                    frac = frac * 10 + (bytes[i] - '0');
                    scale *= 10;
                }
                i++;
            }
            v += (double) frac / scale;
        }
        pos = i;
        return i == start ? Double.NaN : v;
    }

    private int skipSeparators(int from, int end) {
        int i = from;
        while (i < end) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != ':') {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * For a "key value" file (cgroup memory.stat, cpu.stat) or "Key:   value kB" (/proc/meminfo): stores the
     * first number after each of {@code keys} in {@code values} at the same index. Keys not found leave their
     * value unchanged. Stops early once every key was found.
     *
     * @return a bit mask of the keys found (bit i = keys[i]); at most 63 keys
     */
    long scanKeys(byte[][] keys, long[] values) {
        long all = keys.length == 64 ? -1L : (1L << keys.length) - 1;
        long found = 0;
        int p = 0;
        while (p < length && found != all) {
            int end = lineEnd(p);
            int k = keyEnd(p, end);
            byte first = bytes[p];
            for (int i = 0; i < keys.length; i++) {
                byte[] key = keys[i];
                if (key.length > 0 && key[0] == first && (found & (1L << i)) == 0 && regionEquals(p, k, key)) {
                    pos = k;
                    values[i] = nextLong(end);
                    found |= 1L << i;
                    break;
                }
            }
            p = end + 1;
        }
        return found;
    }

    /** Index of the last {@code b} in the content, or -1. */
    public int lastIndexOf(byte b) {
        for (int i = length - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The bytes in [from, to) as a String (ASCII). */
    public String string(int from, int to) {
        return new String(bytes, from, Math.max(0, to - from), StandardCharsets.US_ASCII);
    }

    /** The whole content as a String, for error messages. */
    String snippet() {
        return new String(bytes, 0, Math.min(length, 120), StandardCharsets.US_ASCII);
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[][] keys(String... names) {
        byte[][] k = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            k[i] = ascii(names[i]);
        }
        return k;
    }
}
