package dev.glean.api;

import java.io.ByteArrayOutputStream;

/**
 * The CRI log format glean stores job output in: one record per line, "TIMESTAMP STREAM TAG TEXT", where TAG
 * is F (full line) or P (partial: the next record continues it without a newline). Turns it back into the
 * job's own output.
 */
public final class CriLog {
    private CriLog() {}

    /** Plain output of the complete records in {@code raw}; {@code consumed[0]} gets how many bytes they span. */
    public static byte[] toText(byte[] raw, String streamFilter, long[] consumed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int pos = 0;
        while (pos < raw.length) {
            int nl = indexOf(raw, (byte) '\n', pos);
            if (nl < 0) {
                break;
            }
            int s1 = indexOf(raw, (byte) ' ', pos, nl);
            int s2 = s1 < 0 ? -1 : indexOf(raw, (byte) ' ', s1 + 1, nl);
            int s3 = s2 < 0 ? -1 : indexOf(raw, (byte) ' ', s2 + 1, nl);
            if (s3 > 0) {
                String stream = new String(raw, s1 + 1, s2 - s1 - 1, java.nio.charset.StandardCharsets.US_ASCII);
                boolean partial = raw[s2 + 1] == 'P';
                if (streamFilter == null || streamFilter.equals(stream)) {
                    out.write(raw, s3 + 1, nl - s3 - 1);
                    if (!partial) {
                        out.write('\n');
                    }
                }
            } else if (s2 > 0 && nl == s2 + 2) {
                // "TS STREAM F" with empty text: an empty line.
                String stream = new String(raw, s1 + 1, s2 - s1 - 1, java.nio.charset.StandardCharsets.US_ASCII);
                if ((streamFilter == null || streamFilter.equals(stream)) && raw[s2 + 1] != 'P') {
                    out.write('\n');
                }
            }
            pos = nl + 1;
        }
        if (consumed != null) {
            consumed[0] = pos;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] a, byte b, int from) {
        return indexOf(a, b, from, a.length);
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
