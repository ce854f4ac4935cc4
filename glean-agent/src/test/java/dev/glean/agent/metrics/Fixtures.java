package dev.glean.agent.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Test helpers: resources under /metrics, writing fake kernel files, a clock the test moves. */
final class Fixtures {
    private Fixtures() {}

    /** A file under src/test/resources/metrics, copied from this machine's real files unless its test says not. */
    static String resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/metrics/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /metrics/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} to {@code dir/name}, making the directories. */
    static Path write(Path dir, String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A /proc/stat with the given aggregate busy (user) and idle jiffies over two CPUs. */
    static String procStat(long user, long system, long idle) {
        return "cpu  " + user + " 0 " + system + " " + idle + " 0 0 0 0 0 0\n"
                + "cpu0 " + user / 2 + " 0 " + system / 2 + " " + idle / 2 + " 0 0 0 0 0 0\n"
                + "cpu1 " + (user - user / 2) + " 0 " + (system - system / 2) + " " + (idle - idle / 2) + " 0 0 0 0 0 0\n"
                + "intr 180585 0 0 0 0\nctxt 368856\nbtime 1795779381\nprocesses 5262\nprocs_running 1\nprocs_blocked 0\n"
                + "softirq 118378 0 13945 4 3856 35216 0 3 39426 0 25928\n";
    }
}
