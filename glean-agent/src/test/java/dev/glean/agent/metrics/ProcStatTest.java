package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatTest {

    @Test
    void parsesTheAggregateLineOfThisMachinesProcStat() {
        // host/stat is /proc/stat of the 2-vCPU machine this was written on:
        // "cpu  7674 0 3342 90718 487 0 242 0 0 0"
        ProcStat s = ProcStat.parse(Fixtures.resource("host/stat"));
        assertEquals(7674, s.user());
        assertEquals(3342, s.system());
        assertEquals(90718, s.idle());
        assertEquals(487, s.iowait());
        assertEquals(242, s.softirq());
        assertEquals(2, s.cpus());
        assertEquals(7674 + 3342 + 242, s.busyJiffies());
        assertEquals(90718 + 487, s.idleJiffies());
        assertEquals(112.58, s.busySeconds(), 1e-9);
        assertEquals(912.05, s.idleSeconds(), 1e-9);
    }

    @Test
    void stealIsBusyAndGuestIsNotCountedTwice() {
        // user already contains guest (column 9) and nice contains guest_nice (column 10)
        ProcStat s = ProcStat.parse("cpu  1000 10 200 5000 30 4 6 70 400 5\ncpu0 1000 10 200 5000 30 4 6 70 400 5\n");
        assertEquals(1000 + 10 + 200 + 4 + 6 + 70, s.busyJiffies());
        assertEquals(5030, s.idleJiffies());
        assertEquals(1, s.cpus());
    }

    @Test
    void oldKernelsWithFewerColumnsReadAsZero() {
        ProcStat s = ProcStat.parse("cpu  10 0 20 300 4\ncpu0 10 0 20 300 4\ncpu1 0 0 0 0 0\nintr 1\n");
        assertEquals(0, s.steal());
        assertEquals(30, s.busyJiffies());
        assertEquals(2, s.cpus());
    }

    @Test
    void rejectsAFileWithoutTheAggregateLine() {
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("cpu0 1 2 3 4\n"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("intr 1 2 3\n"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("cpu  1 2\n"));
    }

    @Test
    void readsAFileLargerThanTheInitialBuffer(@TempDir Path dir) throws Exception {
        // many-CPU hosts have a long /proc/stat; 200 CPUs plus a long intr line
        StringBuilder b = new StringBuilder("cpu  100 0 100 1000 0 0 0 0 0 0\n");
        for (int i = 0; i < 200; i++) {
            b.append("cpu").append(i).append(" 1 0 1 10 0 0 0 0 0 0\n");
        }
        b.append("intr 1").append(" 0".repeat(20_000)).append('\n');
        Path f = Fixtures.write(dir, "stat", b.toString());
        ProcStat s = ProcStat.read(f);
        assertEquals(200, s.cpus());
        assertEquals(200, s.busyJiffies());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> ProcStat.read(dir.resolve("absent")));
        assertEquals(true, Files.size(f) > 8192);
    }
}
