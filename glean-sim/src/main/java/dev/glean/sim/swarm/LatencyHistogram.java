package dev.glean.sim.swarm;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in microseconds: exact below 1 ms, then 64 buckets per power of two (within 1.6 %), so recording is
 * one atomic add from thousands of threads and nothing is kept per sample.
 */
final class LatencyHistogram {
    private static final int LINEAR = 1024;
    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int LINEAR_BITS = 10;
    private static final int MAX_EXPONENT = 40;
    private final AtomicLongArray counts = new AtomicLongArray(LINEAR + (MAX_EXPONENT - LINEAR_BITS + 1) * SUB);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    void recordNanos(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        counts.incrementAndGet(index(micros));
        total.incrementAndGet();
        max.accumulateAndGet(micros, Math::max);
    }

    static int index(long micros) {
        if (micros < LINEAR) {
            return (int) micros;
        }
        int exponent = Math.min(MAX_EXPONENT, 63 - Long.numberOfLeadingZeros(micros));
        int sub = (int) ((micros >>> (exponent - SUB_BITS)) & (SUB - 1));
        return LINEAR + (exponent - LINEAR_BITS) * SUB + sub;
    }

    /** The smallest value that falls in bucket {@code i}. */
    static long lowest(int i) {
        if (i < LINEAR) {
            return i;
        }
        int exponent = (i - LINEAR) / SUB + LINEAR_BITS;
        int sub = (i - LINEAR) % SUB;
        return (1L << exponent) + ((long) sub << (exponent - SUB_BITS));
    }

    /** Starts over; a sample recorded meanwhile may land in either period. */
    void reset() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
        total.set(0);
        max.set(0);
    }

    /** One line per non-empty bucket, "lowest-micros count", so runs in several processes can be merged. */
    void writeTo(java.io.PrintWriter w) {
        for (int i = 0; i < counts.length(); i++) {
            long n = counts.get(i);
            if (n > 0) {
                w.println(lowest(i) + " " + n);
            }
        }
    }

    long count() {
        return total.get();
    }

    long maxMicros() {
        return max.get();
    }

    /** The value at quantile {@code q} (0..1) in microseconds: the lowest value of the bucket it falls in. */
    long quantileMicros(double q) {
        long n = total.get();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(lowest(i), max.get());
            }
        }
        return max.get();
    }
}
