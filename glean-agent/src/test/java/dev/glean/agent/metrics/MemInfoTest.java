package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MemInfoTest {

    @Test
    void parsesThisMachinesMeminfoInBytes() {
        MemInfo m = MemInfo.parse(Fixtures.resource("host/meminfo"));
        assertEquals(24683620L * 1024, m.total());
        assertEquals(24347228L * 1024, m.free());
        assertEquals(24362760L * 1024, m.available());
        assertEquals(2076L * 1024, m.buffers());
        assertEquals(199892L * 1024, m.cached());
        assertEquals(8952L * 1024, m.shmem());
        assertEquals(76232L * 1024, m.activeFile());
        assertEquals(116780L * 1024, m.inactiveFile());
        assertEquals((76232L + 116780L) * 1024, m.pageCache());
        assertEquals(0, m.swapTotal());
        assertEquals(24683620L * 1024, m.memoryTotal().value());
    }

    @Test
    void doesNotConfuseActiveWithActiveFile() {
        // "Active:" comes before "Active(file):" and "MemAvailable" shares a prefix with "MemFree"
        MemInfo m = MemInfo.parse("""
                MemTotal:        1000 kB
                MemFree:          100 kB
                MemAvailable:     600 kB
                Active:           900 kB
                Active(anon):     800 kB
                Active(file):      50 kB
                Inactive(file):    70 kB
                """);
        assertEquals(50 * 1024, m.activeFile());
        assertEquals(70 * 1024, m.inactiveFile());
        assertEquals(600 * 1024, m.available());
    }

    @Test
    void estimatesAvailableOnKernelsWithoutMemAvailable() {
        MemInfo m = MemInfo.parse("""
                MemTotal:        1000 kB
                MemFree:          100 kB
                Cached:           300 kB
                Active(file):     120 kB
                Inactive(file):   150 kB
                SReclaimable:      30 kB
                """);
        assertEquals((100 + 120 + 150 + 30) * 1024, m.available());
    }

    @Test
    void rejectsTextWithoutMemTotal() {
        assertThrows(IllegalArgumentException.class, () -> MemInfo.parse("MemFree: 1 kB\n"));
    }
}
