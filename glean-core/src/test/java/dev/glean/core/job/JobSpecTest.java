package dev.glean.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.error.GleanException;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecTest {
    private static JobSpec spec(List<String> cmd, Map<String, String> env) {
        return JobSpec.validated(null, cmd, new Millicores(500), Bytes.ofMiB(64), null, null, env, null, null, null, null, null, null, null);
    }

    @Test
    void defaultsNameTenantImage() {
        JobSpec s = spec(List.of("/usr/bin/python3", "-c", "1"), Map.of());
        assertEquals("python3", s.name());
        assertEquals("default", s.tenant());
        assertEquals("host", s.image());
        assertEquals(1, s.taskCount());
    }

    @Test
    void rejectsEmptyCommand() {
        assertTrue(assertThrows(GleanException.class, () -> spec(List.of(), Map.of())).getMessage().contains("command is empty"));
        assertThrows(GleanException.class, () -> spec(List.of(""), Map.of()));
    }

    @Test
    void rejectsReservedAndBadEnv() {
        assertThrows(GleanException.class, () -> spec(List.of("true"), Map.of("GLEAN_TASK_INDEX", "1")));
        assertThrows(GleanException.class, () -> spec(List.of("true"), Map.of("1BAD", "x")));
    }

    @Test
    void rejectsTinyMemoryZeroCpuAndOtherImages() {
        assertThrows(GleanException.class, () -> JobSpec.validated(null, List.of("true"), new Millicores(500), new Bytes(1000), null, null,
                null, null, null, null, null, null, null, null));
        assertThrows(GleanException.class, () -> JobSpec.validated(null, List.of("true"), Millicores.ZERO, Bytes.ofMiB(64), null, null,
                null, null, null, null, null, null, null, null));
        assertThrows(GleanException.class, () -> JobSpec.validated(null, List.of("true"), new Millicores(1), Bytes.ofMiB(64), null, null,
                null, null, null, null, "debian:12", null, null, null));
    }

    @Test
    void arrayRangesAndDurations() {
        assertEquals(1000, IndexRange.parse("0-999").size());
        assertEquals(1, IndexRange.parse("7").size());
        assertThrows(GleanException.class, () -> IndexRange.parse("5-2"));
        assertThrows(GleanException.class, () -> IndexRange.parse("0-100000"));
        assertEquals(Duration.ofMinutes(90), DurationText.parse("1h30m"));
        assertEquals(Duration.ofSeconds(45), DurationText.parse("45"));
        assertThrows(GleanException.class, () -> DurationText.parse("10x"));
        assertThrows(GleanException.class, () -> DurationText.parse("m5"));
        assertEquals(Duration.ofMillis(1500), DurationText.parse("1500ms"));
        assertEquals(Duration.ofMillis(2500), DurationText.parse("2s500ms"));
        assertThrows(GleanException.class, () -> DurationText.parse("ms"));
        assertThrows(GleanException.class, () -> DurationText.parse("1.5ms"));
        assertThrows(GleanException.class, () -> DurationText.parse("99999999999999999999ms"));
    }

    @Test
    void attemptIdsRoundTrip() {
        String id = AttemptId.of("123", 7, 2);
        assertEquals("g-123-7-2", id);
        assertEquals(new AttemptId("123", 7, 2), AttemptId.parse(id));
        assertThrows(GleanException.class, () -> AttemptId.parse("other-container"));
    }

    /** Job ids are sanitised as the rule says: each code point outside [A-Za-z0-9_.] becomes one '_'. */
    @Test
    void attemptIdsReplaceWhatAContainerNameCannotHold() {
        for (String job : List.of("123", "a.b_C9", "with space", "x/y:z-w", "ünï", "emoji\uD83D\uDE00end", "")) {
            String expected = "g-" + job.replaceAll("[^A-Za-z0-9_.]", "_") + "-3-1";
            assertEquals(expected, AttemptId.of(job, 3, 1), job);
        }
    }
}
