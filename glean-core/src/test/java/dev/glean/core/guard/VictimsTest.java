package dev.glean.core.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.resources.Bytes;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The guard's victim order, as a table: the lowest priority first, then the newest, then the larger. */
class VictimsTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    /** "id:priority:startedSecond:memoryMiB[:tasks]"; a start of -1 means not known (counts as newest). */
    private static List<Secondary> node(String... specs) {
        return Stream.of(specs).map(s -> {
            String[] f = s.split(":");
            long start = Long.parseLong(f[2]);
            return new Secondary(f[0], Integer.parseInt(f[1]), start < 0 ? null : T0.plusSeconds(start),
                    Bytes.ofMiB(Long.parseLong(f[3])), Bytes.ZERO, Bytes.ofMiB(1024), f.length > 4 ? Long.parseLong(f[4]) : 1);
        }).toList();
    }

    static Stream<Arguments> memory() {
        return Stream.of(
                // containers, MiB to free, expected victims in order
                Arguments.of(node("a:0:10:100", "b:0:20:100"), 50, List.of("b")),                // same priority: newest
                Arguments.of(node("a:-5:10:100", "b:0:20:100"), 50, List.of("a")),               // lower priority beats newer
                Arguments.of(node("a:5:30:100", "b:0:10:100", "c:0:20:100"), 50, List.of("c")),  // high priority spared
                Arguments.of(node("a:0:10:100", "b:0:20:100"), 150, List.of("b", "a")),          // enough of them at once
                Arguments.of(node("a:100:10:500", "b:-100:20:10", "c:0:30:10"), 400,
                        List.of("b", "c", "a")),                                                   // priority order across all
                Arguments.of(node("a:0:10:100", "b:0:10:300"), 50, List.of("b")),                // equal age: the larger
                Arguments.of(node("a:0:10:100", "b:0:-1:100"), 50, List.of("b")),                // unknown start counts as newest
                Arguments.of(node("a:0:10:100", "b:-1:20:0"), 50, List.of("a")),                 // holding nothing frees nothing
                Arguments.of(node("a:0:10:0", "b:0:20:0"), 50, List.of("b", "a")));              // none holds any: all, newest first
    }

    @ParameterizedTest
    @MethodSource("memory")
    void forMemory(List<Secondary> containers, long mib, List<String> expected) {
        assertEquals(expected, Victims.forMemory(containers, Bytes.ofMiB(mib).value()).stream().map(Secondary::id).toList());
    }

    static Stream<Arguments> tasks() {
        return Stream.of(
                Arguments.of(node("a:0:10:1:50", "b:0:20:1:900"), "b"),   // most threads
                Arguments.of(node("a:-1:10:1:50", "b:0:20:1:900"), "a"),  // lowest priority first
                Arguments.of(node("a:0:10:1:50", "b:0:20:1:50"), "b"));   // then the newest
    }

    @ParameterizedTest
    @MethodSource("tasks")
    void forTasks(List<Secondary> containers, String expected) {
        assertEquals(List.of(expected), Victims.forTasks(containers).stream().map(Secondary::id).toList());
    }
}
