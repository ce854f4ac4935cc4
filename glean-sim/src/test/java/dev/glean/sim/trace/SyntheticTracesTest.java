package dev.glean.sim.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SyntheticTracesTest {
    @Test
    void theMixHasEveryKindInRoughlyItsShare() {
        List<NodeTrace> t = SyntheticTraces.generate(1000, 10, 60, 1);
        var counts = t.stream().collect(Collectors.groupingBy(NodeTrace::kind, Collectors.counting()));
        assertEquals(Set.of("web", "batch", "idle", "spiky"), counts.keySet());
        assertTrue(Math.abs(counts.get("web") - 400) < 60, counts.toString());
        assertTrue(Math.abs(counts.get("spiky") - 150) < 45, counts.toString());
    }

    @Test
    void aNodeIsTheSameWhateverTheClusterSize() {
        NodeTrace a = SyntheticTraces.generate(10, 500, 60, 9).get(7);
        NodeTrace b = SyntheticTraces.generate(100, 500, 60, 9).get(7);
        assertEquals(a.name(), b.name());
        assertArrayEquals(a.cpu(), b.cpu());
        assertArrayEquals(a.memory(), b.memory());
    }

    @Test
    void sharesStayWithinTheNode() {
        for (NodeTrace t : SyntheticTraces.generate(200, 2880, 60, 2)) {
            for (int s = 0; s < t.steps(); s++) {
                assertTrue(t.cpu()[s] >= 0 && t.cpu()[s] <= 1 && t.memory()[s] >= 0 && t.memory()[s] <= 1, t.name() + " step " + s);
            }
        }
    }

    @Test
    void batchIncumbentsLoadMemoryAtNightAndWebServersPeakInTheAfternoon() {
        List<NodeTrace> all = SyntheticTraces.generate(300, 1440, 60, 4);
        NodeTrace batch = all.stream().filter(t -> t.kind().equals("batch")).findFirst().orElseThrow();
        NodeTrace web = all.stream().filter(t -> t.kind().equals("web")).findFirst().orElseThrow();
        assertTrue(max(batch.memory(), 0, 360) > max(batch.memory(), 720, 1440) + 0.2, "batch memory peaks between 00:00 and 06:00");
        assertTrue(mean(web.cpu(), 900, 1020) > mean(web.cpu(), 180, 300) + 0.2, "web CPU at 15-17h above 3-5h");
    }

    private static double max(float[] v, int from, int to) {
        double m = 0;
        for (int i = from; i < to; i++) {
            m = Math.max(m, v[i]);
        }
        return m;
    }

    private static double mean(float[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}
