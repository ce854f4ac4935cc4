package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LendingPolicyTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    /** What admins write, read into the same windows the table above checks by hand. */
    @Test
    void windowsParseFromText() {
        record Row(String text, LendingWindow expected) {}
        for (Row r : List.of(
                new Row("Mon-Fri 20:00-07:00", LendingWindow.nights(LendingWindow.WEEKDAYS, 20, 7)),
                new Row("sat-sun", LendingWindow.allDay(LendingWindow.WEEKEND)),
                new Row("Mon,Wed 12:00-14:30", new LendingWindow(EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.WEDNESDAY),
                        LocalTime.of(12, 0), LocalTime.of(14, 30))),
                new Row("Fri-Mon", LendingWindow.allDay(EnumSet.of(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY,
                        DayOfWeek.MONDAY))),
                new Row("daily 0:00-6:00", LendingWindow.nights(EnumSet.allOf(DayOfWeek.class), 0, 6)),
                new Row(" Sun 22:00-24:00 ", new LendingWindow(EnumSet.of(DayOfWeek.SUNDAY), LocalTime.of(22, 0), LocalTime.MIDNIGHT)))) {
            assertEquals(r.expected(), LendingWindow.parse(r.text()), r.text());
        }
        for (String bad : List.of("", "Mon-Fri 20:00", "Funday", "Mon-Fri 25:00-07:00", "Mon-Tue-Wed", "Mon 1-2 extra",
                "Mon 9am-5pm", "Mon-", "Mon 20:00-07:00-", "Mon,")) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(dev.glean.core.error.GleanException.class,
                    () -> LendingWindow.parse(bad), bad);
            assertEquals(dev.glean.core.error.ErrorCode.INVALID_ARGUMENT, e.code());
        }
    }

    /** Window table: (window, local time, inside?). 2026-11-27 is a Friday. */
    @Test
    void windowsContainTheirLocalTimes() {
        LendingWindow nights = LendingWindow.nights(LendingWindow.WEEKDAYS, 20, 7);
        LendingWindow office = new LendingWindow(LendingWindow.WEEKDAYS, LocalTime.of(9, 0), LocalTime.of(17, 0));
        LendingWindow sunday = LendingWindow.allDay(EnumSet.of(DayOfWeek.SUNDAY));
        record Row(LendingWindow w, String at, boolean inside) {}
        for (Row r : List.of(
                new Row(nights, "2026-11-27T19:59", false), new Row(nights, "2026-11-27T20:00", true),
                new Row(nights, "2026-11-28T06:59", true), // Saturday morning belongs to Friday night
                new Row(nights, "2026-11-28T07:00", false), new Row(nights, "2026-11-28T21:00", false),
                new Row(nights, "2026-11-30T03:00", false), // Monday early morning is Sunday night: not a weekday night
                new Row(office, "2026-11-27T09:00", true), new Row(office, "2026-11-27T17:00", false),
                new Row(office, "2026-11-28T10:00", false),
                new Row(sunday, "2026-11-29T00:00", true), new Row(sunday, "2026-11-29T23:59", true),
                new Row(sunday, "2026-11-30T00:00", false))) {
            assertEquals(r.inside(), r.w().contains(LocalDateTime.parse(r.at())), r.toString());
        }
    }

    @Test
    void lendsUntilTheWindowClosesAndWithholdsUntilItOpens() {
        LendingPolicy p = LendingPolicy.during(new LendingHours.Weekly(UTC, List.of(LendingWindow.nights(LendingWindow.WEEKDAYS, 20, 7))));
        var lend = assertInstanceOf(LendingPolicy.Lend.class, p.decide(Instant.parse("2026-11-26T23:00:00Z")));
        assertEquals(Instant.parse("2026-11-27T07:00:00Z"), lend.until());
        var no = assertInstanceOf(LendingPolicy.Withhold.class, p.decide(Instant.parse("2026-11-28T12:00:00Z")));
        assertEquals(Instant.parse("2026-11-30T20:00:00Z"), no.resumes(), "Saturday noon: next opening is Monday night");
    }

    @Test
    void windowsAreReadInTheirZoneAcrossDaylightSaving() {
        ZoneId ny = ZoneId.of("America/New_York");
        LendingPolicy p = LendingPolicy.during(new LendingHours.Weekly(ny, List.of(LendingWindow.nights(EnumSet.allOf(DayOfWeek.class), 1, 5))));
        // 2026-11-01 is the autumn change in New York: 01:00-05:00 local lasts five hours that night.
        var lend = assertInstanceOf(LendingPolicy.Lend.class, p.decide(Instant.parse("2026-11-01T05:30:00Z"))); // 01:30 EDT
        assertEquals(Instant.parse("2026-11-01T10:00:00Z"), lend.until()); // 05:00 EST
        assertFalse(p.hours().open(Instant.parse("2026-11-01T10:00:00Z")));
    }

    @Test
    void combinedPoliciesTakeTheStrictestOfEach() {
        LendingPolicy sixty = LendingPolicy.fractions(0.6, 0.9);
        LendingPolicy half = LendingPolicy.fractions(0.8, 0.5);
        LendingPolicy weekend = LendingPolicy.during(new LendingHours.Weekly(UTC, List.of(LendingWindow.allDay(LendingWindow.WEEKEND))));
        LendingPolicy nightsOnly = LendingPolicy.during(new LendingHours.Weekly(UTC,
                List.of(LendingWindow.nights(EnumSet.allOf(DayOfWeek.class), 22, 6))));
        LendingPolicy all = sixty.and(half).and(weekend).and(nightsOnly);
        assertEquals(0.6, all.maxCpuFraction());
        assertEquals(0.5, all.maxMemoryFraction());
        // Weekend nights only: Saturday 23:00 yes, Saturday noon no, Friday 23:00 no.
        assertInstanceOf(LendingPolicy.Lend.class, all.decide(Instant.parse("2026-11-28T23:00:00Z")));
        assertInstanceOf(LendingPolicy.Withhold.class, all.decide(Instant.parse("2026-11-28T12:00:00Z")));
        assertInstanceOf(LendingPolicy.Withhold.class, all.decide(Instant.parse("2026-11-27T23:00:00Z")));
        var sat = assertInstanceOf(LendingPolicy.Lend.class, all.decide(Instant.parse("2026-11-28T23:00:00Z")));
        assertEquals(Instant.parse("2026-11-29T06:00:00Z"), sat.until());
        assertTrue(all.and(LendingPolicy.cordon()).decide(Instant.parse("2026-11-28T23:00:00Z")) instanceof LendingPolicy.Withhold w
                && w.resumes() == null && w.reason().contains("cordoned"));
    }

    @Test
    void rulesApplyByNodeNameAndLabel() {
        LendingPolicies rules = new LendingPolicies(List.of(
                LendingPolicies.Rule.forLabel("role", "db", LendingPolicy.fractions(0.6, 0.3)),
                LendingPolicies.Rule.forNode("db-7", LendingPolicy.cordon()),
                LendingPolicies.Rule.forNode("web-1", LendingPolicy.fractions(0.5, 1))));
        assertEquals(LendingPolicy.OPEN, rules.forNode("batch-1", Map.of("role", "batch")));
        assertEquals(0.6, rules.forNode("db-1", Map.of("role", "db")).maxCpuFraction());
        LendingPolicy db7 = rules.forNode("db-7", Map.of("role", "db"));
        assertTrue(db7.cordoned());
        assertEquals(0.3, db7.maxMemoryFraction(), "a node rule never loosens a label rule");
        assertEquals(0.5, rules.forNode("web-1", Map.of()).maxCpuFraction());
        assertNull(((LendingPolicy.Lend) LendingPolicy.OPEN.decide(Instant.EPOCH)).until());
    }
}
