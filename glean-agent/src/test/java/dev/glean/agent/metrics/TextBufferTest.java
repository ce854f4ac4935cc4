package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextBufferTest {

    @Test
    void scanKeysMatchesWholeKeysOnly() {
        TextBuffer t = TextBuffer.of("file_mapped 5\nfile 10\nactive_file 3\ninactive_file 4\n");
        long[] v = new long[3];
        long found = t.scanKeys(TextBuffer.keys("file", "active_file", "absent"), v);
        assertEquals(0b011, found);
        assertEquals(10, v[0]);
        assertEquals(3, v[1]);
        assertEquals(0, v[2]);
    }

    @Test
    void numbersSaturateAndMaxIsMissing() {
        TextBuffer t = TextBuffer.of("18446744073709551615 max\n");
        t.position(0);
        assertEquals(Long.MAX_VALUE, t.nextLong(t.length()));
        assertEquals(TextBuffer.MISSING, t.nextLong(t.length()));
    }

    @Test
    void readReportsMissingFilesAndGrows(@TempDir Path dir) throws Exception {
        TextBuffer t = new TextBuffer(16);
        assertFalse(t.read(dir.resolve("absent")));
        Fixtures.write(dir, "f", "x".repeat(100_000));
        assertTrue(t.read(dir.resolve("f")));
        assertEquals(100_000, t.length());
    }

    @Test
    void cgroupPathsCannotEscapeTheirRoot() {
        Path root = Path.of("/sys/fs/cgroup");
        assertEquals(root.resolve("glean/a"), CgroupFiles.resolve(root, "glean/a"));
        assertEquals(root.resolve("glean/a"), CgroupFiles.resolve(root, "/glean/a"));
        assertEquals(root, CgroupFiles.resolve(root, "/"));
        for (String bad : new String[] {"glean/..", "../x", "glean//a", "glean/./a"}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> CgroupFiles.resolve(root, bad), bad);
        }
    }
}
