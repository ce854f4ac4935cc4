package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.cgroup.CgroupHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFilesTest {

    private static String text(TextBuffer t) {
        t.position(0);
        return Long.toString(t.nextLong(t.length()));
    }

    @Test
    void keptFilesSeeInPlaceRewritesAndUnreadOnesAreClosedBySweep(@TempDir Path dir) throws Exception {
        Path a = Fixtures.write(dir, "a", "1\n");
        Path b = Fixtures.write(dir, "b", "2\n");
        TextBuffer t = new TextBuffer(16);
        try (OpenFiles files = new OpenFiles()) {
            assertTrue(files.read(a, t));
            assertEquals("1", text(t));
            assertTrue(files.read(b, t));
            assertFalse(files.read(dir.resolve("absent"), t));
            files.sweep();
            assertEquals(2, files.size());

            Files.writeString(a, "12345\n"); // truncates and rewrites the same inode, as the kernel's files behave
            assertTrue(files.read(a, t));
            assertEquals("12345", text(t));
            files.sweep(); // b was not read in this round
            assertEquals(1, files.size());
        }
    }

    @Test
    void onThisHostAKeptFileOfARemovedCgroupReadsAsMissing() throws Exception {
        assumeFalse(Boolean.getBoolean("glean.it.skip"), "glean.it.skip");
        CgroupHost host = CgroupHost.detect();
        Path root = host.mode() == CgroupHost.Mode.V1 ? host.v1Root("cpuacct") : host.root();
        String file = host.mode() == CgroupHost.Mode.V1 ? "cpuacct.usage" : "cpu.stat";
        assumeTrue(Files.isWritable(root), "needs root and a writable cgroup hierarchy");
        Path cg = root.resolve("glean-metrics-openfiles-" + ProcessHandle.current().pid());
        Files.createDirectory(cg);
        TextBuffer t = new TextBuffer(64);
        try (OpenFiles files = new OpenFiles()) {
            assertTrue(files.read(cg.resolve(file), t));
            assertTrue(files.read(cg.resolve(file), t)); // the kept descriptor, read again
            Files.delete(cg); // rmdir: the kept descriptor now fails with ENODEV
            assertFalse(files.read(cg.resolve(file), t));
            assertEquals(0, files.size());
            Files.createDirectory(cg); // same name again: a new cgroup, a new file
            assertTrue(files.read(cg.resolve(file), t));
        } finally {
            Files.deleteIfExists(cg);
        }
    }
}
