package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LoadAvgTest {

    @Test
    void parsesThisMachinesLoadavg() {
        LoadAvg l = LoadAvg.parse(Fixtures.resource("host/loadavg")); // "0.24 0.31 0.14 1/97 5263"
        assertEquals(0.24, l.load1(), 1e-12);
        assertEquals(0.31, l.load5(), 1e-12);
        assertEquals(0.14, l.load15(), 1e-12);
        assertEquals(1, l.runnable());
        assertEquals(97, l.threads());
    }

    @Test
    void parsesLargeLoads() {
        LoadAvg l = LoadAvg.parse("123.45 6.07 10.00 12/3456 99999\n");
        assertEquals(123.45, l.load1(), 1e-9);
        assertEquals(6.07, l.load5(), 1e-9);
        assertEquals(12, l.runnable());
        assertEquals(3456, l.threads());
    }

    @Test
    void rejectsGarbage() {
        assertThrows(IllegalArgumentException.class, () -> LoadAvg.parse("hello\n"));
    }
}
