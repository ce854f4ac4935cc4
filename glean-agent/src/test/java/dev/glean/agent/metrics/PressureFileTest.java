package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.glean.core.node.Pressure;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PressureFileTest {

    @Test
    void parsesThisMachinesCpuPressure() {
        // some avg10=0.80 avg60=3.10 avg300=3.54 total=20129381 / full ... total=0
        Pressure p = PressureFile.parse(Fixtures.resource("host/pressure-cpu"));
        assertEquals(new Pressure(0.80, 0.0, 20129381L, 0L), p);
    }

    @Test
    void parsesThisMachinesIoPressure() {
        Pressure p = PressureFile.parse(Fixtures.resource("host/pressure-io"));
        assertEquals(0.0, p.someAvg10());
        assertEquals(3920335L, p.someTotalMicros());
        assertEquals(3698569L, p.fullTotalMicros());
    }

    @Test
    void parsesHighValuesAndBothLines() {
        Pressure p = PressureFile.parse("""
                some avg10=17.61 avg60=5.51 avg300=1.90 total=9011497
                full avg10=100.00 avg60=0.00 avg300=0.00 total=123456789012
                """);
        assertEquals(17.61, p.someAvg10(), 1e-9);
        assertEquals(100.0, p.fullAvg10(), 1e-9);
        assertEquals(9011497L, p.someTotalMicros());
        assertEquals(123456789012L, p.fullTotalMicros());
    }

    @Test
    void cpuPressureWithoutFullLineOfOldKernels() {
        Pressure p = PressureFile.parse("some avg10=2.50 avg60=1.00 avg300=0.10 total=42\n");
        assertEquals(new Pressure(2.5, 0, 42, 0), p);
    }

    @Test
    void missingFileIsNone(@TempDir Path dir) {
        assertSame(Pressure.NONE, PressureFile.read(dir.resolve("cpu")));
    }

    @Test
    void readsAFile(@TempDir Path dir) {
        Path f = Fixtures.write(dir, "memory.pressure",
                "some avg10=1.25 avg60=0.00 avg300=0.00 total=77\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=33\n");
        assertEquals(new Pressure(1.25, 0.5, 77, 33), PressureFile.read(f));
    }

    @Test
    void unreadableFileIsNone(@TempDir Path dir) throws Exception {
        // a directory where a file is expected cannot be read: same as PSI disabled (EOPNOTSUPP)
        java.nio.file.Files.createDirectories(dir.resolve("io"));
        assertSame(Pressure.NONE, PressureFile.read(dir.resolve("io")));
    }
}
