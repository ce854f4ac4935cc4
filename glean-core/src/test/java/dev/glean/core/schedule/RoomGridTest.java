package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class RoomGridTest {
    @Test
    void bucketsSpanHalfPowersOfTwoAndTheirLowerBoundsAreExact() {
        for (long x = 1; x < 5000; x++) {
            int b = RoomGrid.bucket(x);
            assertTrue(RoomGrid.lower(b) <= x && x < RoomGrid.lower(b + 1), x + " in bucket " + b);
        }
        assertEquals(0, RoomGrid.bucket(0));
        assertEquals(0, RoomGrid.bucket(-5));
        assertEquals(63, RoomGrid.bucket(Long.MAX_VALUE));
        assertEquals(0, RoomGrid.memBucket((1L << 20) - 1), "memory counts whole MiB");
    }

    private static NodeSlot slot(int id, long cpuRoom, long memRoom) {
        NodeView v = new NodeView("n" + id, Map.of(), true, CapacityEstimate.nothing(Resources.ZERO, ""), Resources.ZERO);
        NodeSlot s = new NodeSlot(id, v, 0, 0, 0);
        s.cpuRoom = cpuRoom;
        s.memRoom = memRoom;
        return s;
    }

    /** Whatever the rooms, the grid finds a fitting node exactly when one exists, and only fitting ones. */
    @Property(tries = 300)
    void findsAFitExactlyWhenOneExists(@ForAll long seed, @ForAll boolean pack) {
        Random rnd = new Random(seed);
        RoomGrid g = new RoomGrid();
        List<NodeSlot> all = new ArrayList<>();
        for (int i = 0; i < 1 + rnd.nextInt(60); i++) {
            NodeSlot s = slot(i, rnd.nextInt(20_000) - 1000, rnd.nextLong(64L << 30) - (1L << 30));
            all.add(s);
            g.add(s);
        }
        // Move some around and drop some, as placements and reservations do.
        for (int i = 0; i < 20; i++) {
            NodeSlot s = all.get(rnd.nextInt(all.size()));
            if (rnd.nextBoolean()) {
                s.take(rnd.nextInt(2000), rnd.nextLong(2L << 30));
            } else if (all.size() > 1) {
                s.leaveAll();
                all.remove(s);
            }
        }
        for (int q = 0; q < 30; q++) {
            long cpu = rnd.nextInt(16_000);
            long mem = rnd.nextLong(48L << 30);
            List<NodeSlot> found = new ArrayList<>();
            RoomGrid.Search search = new RoomGrid.Search();
            search.budget = Integer.MAX_VALUE;
            g.fits(cpu, mem, pack, 3, found, search);
            boolean exists = all.stream().anyMatch(s -> s.fits(cpu, mem));
            assertEquals(exists, !found.isEmpty(), "cpu " + cpu + " mem " + mem);
            assertTrue(found.stream().allMatch(s -> s.fits(cpu, mem)));
            assertTrue(found.stream().allMatch(all::contains));
            assertFalse(search.exhausted);
        }
    }
}
