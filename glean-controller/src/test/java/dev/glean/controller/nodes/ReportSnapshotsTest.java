package dev.glean.controller.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.controller.store.InMemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportSnapshotsTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    /**
     * Snapshots kept at the same moment expire spread over the second half of the age limit, none before it, none
     * after it: a fleet that joined together must not send every report to the store at once, again and again.
     */
    @Test
    void snapshotsMadeTogetherExpireApart() {
        ReportSnapshots snapshots = new ReportSnapshots();
        InMemoryStorage store = new InMemoryStorage();
        int nodes = 400;
        for (int i = 0; i < nodes; i++) {
            String node = "n" + i;
            long generation = snapshots.generation(node);
            store.read(view -> {
                var r = snapshots.recording(view, node);
                r.node(node);
                r.tasksOnNode(node);
                snapshots.keep(r, List.of(), 1, generation, T);
                return null;
            });
        }
        Duration half = ReportSnapshots.MAX_AGE.dividedBy(2);
        int[] expiredBy = new int[5];
        for (int step = 0; step < 5; step++) {
            Instant at = T.plus(half).plus(half.dividedBy(4).multipliedBy(step)).plusMillis(1);
            int expired = 0;
            for (int i = 0; i < nodes; i++) {
                if (snapshots.current("n" + i, 1, snapshots.generation("n" + i), at) == null) {
                    expired++;
                }
            }
            expiredBy[step] = expired;
        }
        assertNotNull(snapshots.current("n0", 1, 0, T.plus(half).minusMillis(1)), "good for half the age limit at least");
        assertEquals(nodes, expiredBy[4], "none outlives the age limit");
        // A quarter of them should expire in each quarter of the second half; allow for chance.
        for (int step = 0; step < 4; step++) {
            int inQuarter = expiredBy[step + 1] - expiredBy[step];
            assertTrue(inQuarter > nodes / 8 && inQuarter < nodes * 3 / 8, "quarter " + step + ": " + java.util.Arrays.toString(expiredBy));
        }
        assertNull(snapshots.current("n0", 2, 0, T), "another version is not this snapshot");
    }
}
