package dev.glean.agent.runtime;

import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glean.agent.cgroup.CgroupCleaner;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ContainerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A private corner of the real host for one test class: a parent cgroup of its own ("glean-test-<random>")
 * directly under the root of every hierarchy, a state directory under /tmp, and a runc root next to it.
 * {@link #close()} removes every container, cgroup, process and file it made.
 */
final class RuncTestHost implements AutoCloseable {
    final Path base;
    final RuncRuntime.Settings settings;
    final RuncRuntime runtime;

    private RuncTestHost(Path base, RuncRuntime.Settings settings) {
        this.base = base;
        this.settings = settings;
        this.runtime = RuncRuntime.create(settings);
    }

    /** Skips the calling test class where real containers cannot run (not root, no runc or conmon, ...). */
    static RuncTestHost open() throws IOException {
        return open(java.util.function.UnaryOperator.identity());
    }

    /** As {@link #open()}, with settings changed by {@code change} (e.g. job limits). */
    static RuncTestHost open(java.util.function.UnaryOperator<RuncRuntime.Settings> change) throws IOException {
        assumeFalse(Boolean.getBoolean("glean.it.skip"), "glean.it.skip");
        String parent = "glean-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path base = Files.createTempDirectory(Path.of("/tmp"), "glean-runtime-test-");
        Files.setAttribute(base, "unix:mode", 0711); // the containers' root must traverse it to reach its bind sources
        RuncRuntime.Settings s = change.apply(RuncRuntime.Settings.defaults(base.resolve("containers"))
                .withCgroups(CgroupHost.detect(Path.of("/sys/fs/cgroup"), parent)));
        Optional<String> missing = RuncRuntime.probe(s);
        if (missing.isPresent()) {
            deleteTree(base);
        }
        assumeTrue(missing.isEmpty(), () -> "real containers cannot run here: " + missing.orElse(""));
        return new RuncTestHost(base, s);
    }

    /** A new runtime over the same state, as an agent that restarted would build it. */
    RuncRuntime fresh() {
        return RuncRuntime.create(settings);
    }

    static ContainerSpec spec(String id, List<String> command) {
        return spec(id, command, Bytes.ofMiB(256), Map.of());
    }

    static ContainerSpec spec(String id, List<String> command, Bytes memory, Map<String, String> env) {
        return new ContainerSpec(id, command, env, new Millicores(500), memory, 64, "host", List.of(),
                Map.of("job", id));
    }

    static String uniqueId(String prefix) {
        return prefix + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }

    ContainerInfo info(RuncRuntime rt, String id) {
        return rt.list().stream().filter(i -> i.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("container " + id + " is not listed"));
    }

    ContainerInfo awaitExit(RuncRuntime rt, String id, Duration timeout) {
        await(() -> info(rt, id).phase() == ContainerPhase.EXITED, timeout, "container " + id + " to end");
        return info(rt, id);
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The container's cgroup directories that still exist, in any hierarchy. */
    List<Path> leafCgroups(String id) {
        List<Path> found = new ArrayList<>();
        for (Path h : settings.cgroups().hierarchies()) {
            Path leaf = settings.cgroups().containerDir(h, id);
            if (Files.exists(leaf)) {
                found.add(leaf);
            }
        }
        return found;
    }

    /** The parent's directories that still exist, in any hierarchy. */
    List<Path> parentCgroups() {
        return settings.cgroups().hierarchies().stream().map(h -> h.resolve(settings.cgroups().parent()))
                .filter(Files::exists).toList();
    }

    @Override
    public void close() throws IOException {
        Throwable failure = null;
        try {
            for (ContainerInfo c : runtime.list()) {
                try {
                    runtime.remove(c.id());
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            new CgroupCleaner(settings.cgroups()).removeParent();
        } catch (RuntimeException e) {
            failure = e;
        }
        deleteTree(base);
        if (failure != null) {
            throw new AssertionError("cleanup failed", failure);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
