package dev.glean.controller.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RecordRefreshTest {
    /**
     * Nodes named alike (a fleet: web-00001, web-00002, ...) get refresh periods spread over the second half of the
     * limit, a quarter in each quarter of it, and a node always the same one.
     */
    @Test
    void nodesNamedAlikeRefreshTheirRecordsApart() {
        Duration max = AgentService.NODE_RECORD_REFRESH;
        Duration half = max.dividedBy(2);
        int nodes = 2000;
        int[] quarters = new int[4];
        for (int i = 0; i < nodes; i++) {
            String name = String.format("web-%05d", i);
            Duration d = AgentService.recordRefresh(name);
            assertEquals(d, AgentService.recordRefresh(name), "fixed per node");
            assertTrue(d.compareTo(half) >= 0 && d.compareTo(max) <= 0, name + ": " + d);
            int q = (int) Math.min(3, d.minus(half).toMillis() * 4 / half.toMillis());
            quarters[q]++;
        }
        for (int q = 0; q < 4; q++) {
            assertTrue(quarters[q] > nodes / 8 && quarters[q] < nodes * 3 / 8, java.util.Arrays.toString(quarters));
        }
    }
}
