package dev.glean.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast instant codec says exactly what java.time says, and leaves to it what it does not take. */
class IsoInstantTest {
    @Test
    void formatsAndParsesLikeJavaTime() {
        SplittableRandom r = new SplittableRandom(7);
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            long secs = r.nextLong(-62_167_219_200L, max);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(secs, nanos);
            assertEquals(t.toString(), IsoInstant.format(t));
            assertEquals(t, IsoInstant.parse(t.toString()));
        }
    }

    @Test
    void parsesAnyFractionLength() {
        assertEquals(Instant.parse("2026-11-27T14:16:38.5Z"), IsoInstant.parse("2026-11-27T14:16:38.5Z"));
        assertEquals(Instant.parse("2026-11-27T14:16:38.12345Z"), IsoInstant.parse("2026-11-27T14:16:38.12345Z"));
    }

    @Test
    void leavesOtherShapesToJavaTime() throws Exception {
        assertNull(IsoInstant.parse("2026-11-27T14:16:38+01:00"));
        assertNull(IsoInstant.parse("2026-02-30T14:16:38Z"));
        assertNull(IsoInstant.parse("2026-11-27T23:59:60Z"));
        assertNull(IsoInstant.parse("2026-11-27T14:16:38.Z"));
        assertNull(IsoInstant.parse("+12026-11-27T14:16:38Z"));
        assertNull(IsoInstant.format(Instant.parse("+12026-11-27T14:16:38Z")));
        // The wire still takes them, through java.time.
        assertEquals(Instant.parse("2026-11-27T13:16:38Z"), WireJson.mapper().readValue("\"2026-11-27T14:16:38+01:00\"", Instant.class));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), WireJson.mapper().readValue("1700000000", Instant.class));
        assertEquals("\"+12026-11-27T14:16:38Z\"", WireJson.mapper().writeValueAsString(Instant.parse("+12026-11-27T14:16:38Z")));
    }
}
