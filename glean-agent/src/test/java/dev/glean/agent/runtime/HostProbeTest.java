package dev.glean.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.cgroup.CgroupHost;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {
    @TempDir
    Path tmp;

    @Test
    void saysWhatIsMissing() {
        // an empty directory as the cgroup root: a "v1 host" without any controller
        Optional<String> missing = HostProbe.check(tmp.resolve("no-runc"), tmp.resolve("no-conmon"),
                CgroupHost.detect(tmp, "glean"));
        assertTrue(missing.isPresent());
        String m = missing.get();
        assertTrue(m.contains("runc at " + tmp.resolve("no-runc")), m);
        assertTrue(m.contains("conmon at " + tmp.resolve("no-conmon")), m);
        assertTrue(m.contains("'memory'") && m.contains("'cpu'"), m);
    }

    @Test
    void nofileLimitIsPositiveAndBounded() {
        long n = HostProbe.nofileLimit();
        assertTrue(n > 0 && n <= 65_536, "nofile " + n);
    }
}
