package dev.glean.core.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Nodes by the room they have left, in a 64 x 64 grid of CPU-room and memory-room buckets (two per power of two: a
 * bucket spans at most a factor 1.5 of room; memory counted in MiB), with one bit mask per CPU row telling which
 * cells hold nodes.
 *
 * <p>For a request, every cell whose lower bounds reach it in both resources fits as a whole: finding the best such
 * cell costs one mask operation per row, not one look per node. Only the request's own row and column can hold
 * nodes that fit and nodes that do not; those are checked one by one, and only when the whole cells offer nothing
 * (or, bin-packing, briefly, as they hold the tightest fits). A node that fits lies in the request's bucket or
 * above in both resources, so when the whole cells are empty and the row and column are exhausted, nothing fits.
 */
final class RoomGrid {
    private static final int B = 64;
    private static final int MIB_SHIFT = 20;

    private final NodeSlot[][] cells = new NodeSlot[B * B][];
    private final int[] sizes = new int[B * B];
    private final long[] rows = new long[B];

    void add(NodeSlot s) {
        int cell = cpuBucket(s.cpuRoom) * B + memBucket(s.memRoom);
        NodeSlot[] c = cells[cell];
        if (c == null) {
            c = cells[cell] = new NodeSlot[4];
        } else if (sizes[cell] == c.length) {
            c = cells[cell] = java.util.Arrays.copyOf(c, c.length * 2);
        }
        int pos = sizes[cell]++;
        c[pos] = s;
        rows[cell / B] |= 1L << (cell % B);
        s.joined(this, cell, pos);
    }

    void remove(NodeSlot s) {
        int cell = s.cellIn(this);
        int pos = s.positionIn(this);
        NodeSlot[] c = cells[cell];
        int last = --sizes[cell];
        NodeSlot moved = c[last];
        c[pos] = moved;
        c[last] = null;
        if (moved != s) {
            moved.movedTo(this, pos);
        }
        if (last == 0) {
            rows[cell / B] &= ~(1L << (cell % B));
        }
        s.left(this);
    }

    /** What a search cost and whether it ran out of budget before it could tell that nothing fits. */
    static final class Search {
        int examined;
        int budget;
        boolean exhausted;
    }

    /**
     * Adds to {@code found} up to {@code want} nodes that fit {@code cpu} and {@code mem}: from the tightest whole
     * cells when packing, from the roomiest when spreading, then (if needed) from the request's row and column.
     */
    void fits(long cpu, long mem, boolean pack, int want, List<NodeSlot> found, Search search) {
        int bc = cpuBucket(cpu);
        int bm = memBucket(mem);
        int fi = cpuLower(bc) >= cpu ? bc : bc + 1;
        int fj = memLower(bm) >= mem ? bm : bm + 1;
        int before = found.size();
        int target = before + want;
        // Whole cells: per row, the cell of least (packing) or most (spreading) memory room that fits.
        List<long[]> best = new ArrayList<>();
        for (int i = fi; i < B; i++) {
            long mask = fj >= B ? 0 : rows[i] & (-1L << fj);
            if (mask != 0) {
                int j = pack ? Long.numberOfTrailingZeros(mask) : 63 - Long.numberOfLeadingZeros(mask);
                best.add(new long[] {pack ? i + j : -(i + j), i * B + j});
            }
        }
        best.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (long[] cell : best) {
            int c = (int) cell[1];
            for (int k = 0; k < sizes[c] && found.size() < target; k++) {
                search.examined++;
                found.add(cells[c][k]);
            }
            if (found.size() >= target) {
                break;
            }
        }
        boolean enough = found.size() >= target;
        if (enough && !pack) {
            return;
        }
        // With some fits from whole cells, glance at a few nodes of the row and column (packing, they hold the tightest
        // fits). With none, look until enough fit, or at all of them, as they are all that may fit.
        int looks = found.size() > before ? want : Integer.MAX_VALUE;
        int stopAt = enough ? target + want : target;
        if (fi > bc) {
            for (long mask = rows[bc] & (-1L << bm); mask != 0 && looks > 0; mask &= mask - 1) {
                looks = scan(bc * B + Long.numberOfTrailingZeros(mask), cpu, mem, found, stopAt, looks, search);
                if (search.exhausted || found.size() >= stopAt) {
                    return;
                }
            }
        }
        if (fj > bm) {
            for (int i = fi > bc ? bc + 1 : bc; i < B && looks > 0; i++) {
                if ((rows[i] & (1L << bm)) != 0) {
                    looks = scan(i * B + bm, cpu, mem, found, stopAt, looks, search);
                    if (search.exhausted || found.size() >= stopAt) {
                        return;
                    }
                }
            }
        }
    }

    /** Checks the nodes of one cell one by one; returns how many looks are left. */
    private int scan(int cell, long cpu, long mem, List<NodeSlot> found, int stopAt, int looks, Search search) {
        for (int k = 0; k < sizes[cell] && looks > 0 && found.size() < stopAt; k++) {
            if (search.examined >= search.budget) {
                search.exhausted = true;
                return looks;
            }
            search.examined++;
            looks--;
            NodeSlot s = cells[cell][k];
            if (s.fits(cpu, mem)) {
                found.add(s);
            }
        }
        return looks;
    }

    static int cpuBucket(long millicores) {
        return bucket(millicores);
    }

    static int memBucket(long bytes) {
        return bucket(bytes >> MIB_SHIFT);
    }

    static long cpuLower(int bucket) {
        return lower(bucket);
    }

    static long memLower(int bucket) {
        return bucket == 0 ? Long.MIN_VALUE : lower(bucket) << MIB_SHIFT;
    }

    /** 0 for no room; then two buckets per power of two: [2^e, 1.5 x 2^e) and [1.5 x 2^e, 2^(e+1)). */
    static int bucket(long x) {
        if (x < 1) {
            return 0;
        }
        int e = 63 - Long.numberOfLeadingZeros(x);
        int half = e == 0 ? 0 : (int) ((x >>> (e - 1)) & 1);
        return Math.min(B - 1, 1 + 2 * e + half);
    }

    /** The least value of a bucket (bucket 2 never holds anything: 1 has no upper half). */
    static long lower(int bucket) {
        if (bucket == 0) {
            return Long.MIN_VALUE;
        }
        int e = (bucket - 1) / 2;
        boolean half = (bucket - 1) % 2 == 1;
        if (e == 0) {
            return half ? 2 : 1;
        }
        return (1L << e) + (half ? 1L << (e - 1) : 0);
    }
}
