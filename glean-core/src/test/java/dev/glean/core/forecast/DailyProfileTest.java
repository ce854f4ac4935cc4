package dev.glean.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class DailyProfileTest {
    private static final Instant MIDNIGHT = Instant.parse("2026-11-02T00:00:00Z");
    private final ForecastSettings settings = ForecastSettings.DEFAULTS;

    /** Feeds one reading a minute from {@code from} for {@code minutes}. */
    private static void feed(DailyProfile p, Instant from, int minutes, double share) {
        for (int i = 0; i < minutes; i++) {
            p.add(share, 60, from.plusSeconds(60L * i));
        }
    }

    @Test
    void aSlotRemembersItsQuantileAsMeanPlusSigmasOverDays() {
        DailyProfile p = new DailyProfile(settings, 0.98);
        Instant two = MIDNIGHT.plus(Duration.ofHours(2));
        feed(p, two, 30, 0.2);
        feed(p, two.plus(Duration.ofDays(1)), 30, 0.4);
        feed(p, two.plus(Duration.ofDays(2)), 1, 0.0); // a reading in the next day folds the second one
        // Day 1: mean 0.2; day 2: alpha 1/2 -> mean 0.3, variance 0.5 * (0.5 * 0.2^2) = 0.01 -> 0.3 + 2 x 0.1.
        assertEquals(0.5, p.forecast(two.minusSeconds(60), Duration.ZERO.plusMinutes(10)), 1e-9);
        assertEquals(2, p.days(4));
    }

    @Test
    void theForecastIsTheHighestSlotTheHorizonTouches() {
        DailyProfile p = new DailyProfile(settings, 0.98);
        feed(p, MIDNIGHT, 24 * 60, 0.1);
        feed(p, MIDNIGHT.plus(Duration.ofHours(26)), 30, 0.1); // day 2 02:00-02:30
        feed(p, MIDNIGHT.plus(Duration.ofMinutes(26 * 60 + 30)), 30, 0.7); // day 2 02:30-03:00, folded by the next reading
        feed(p, MIDNIGHT.plus(Duration.ofHours(27)), 1, 0.1);
        Instant dayThree = MIDNIGHT.plus(Duration.ofDays(2));
        assertEquals(0.1, p.forecast(dayThree.plus(Duration.ofHours(1)), Duration.ofMinutes(30)), 1e-9);
        // 02:10 + 30 min reaches into the 02:30 slot.
        double f = p.forecast(dayThree.plus(Duration.ofMinutes(130)), Duration.ofMinutes(30));
        assertTrue(f >= 0.7, "the 02:30 slot's peak is ahead: " + f);
    }

    @Test
    void slotsAreLocalTimeInTheConfiguredZone() {
        DailyProfile p = new DailyProfile(settings.withZone(ZoneId.of("Asia/Tokyo")), 0.98);
        // 09:00 in Tokyo is 00:00 UTC: feed it, then look at 09:00 Tokyo the next day.
        feed(p, MIDNIGHT, 30, 0.6);
        feed(p, MIDNIGHT.plus(Duration.ofHours(1)), 1, 0.0);
        assertEquals(0.6, p.forecast(MIDNIGHT.plus(Duration.ofDays(1)), Duration.ZERO), 1e-9);
        assertTrue(Double.isNaN(p.forecast(MIDNIGHT.plus(Duration.ofDays(1)).plus(Duration.ofHours(3)), Duration.ZERO)));
    }

    @Test
    void aSlotSeenForLessThanAMinuteIsNotFolded() {
        DailyProfile p = new DailyProfile(settings, 0.98);
        p.add(0.9, 30, MIDNIGHT);
        p.add(0.1, 30, MIDNIGHT.plus(Duration.ofHours(1)));
        assertEquals(0, p.days(0));
        assertTrue(Double.isNaN(p.forecast(MIDNIGHT, Duration.ZERO)));
    }
}
