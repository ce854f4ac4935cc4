package dev.glean.core.schedule;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.Set;

/**
 * A weekly stretch of local time during which a node may lend: on each of {@code days}, from {@code from} to
 * {@code to}. If {@code to} is not after {@code from} the stretch runs past midnight into the next day ("Mon-Fri
 * 20:00-07:00" covers Friday night until Saturday 07:00); {@code from == to} is the whole day.
 */
public record LendingWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to) {
    public static final Set<DayOfWeek> WEEKDAYS = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);
    public static final Set<DayOfWeek> WEEKEND = EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);

    public LendingWindow {
        if (days.isEmpty()) {
            throw new IllegalArgumentException("a lending window needs at least one day");
        }
        days = Set.copyOf(days);
    }

    public static LendingWindow nights(Set<DayOfWeek> days, int fromHour, int toHour) {
        return new LendingWindow(days, LocalTime.of(fromHour, 0), LocalTime.of(toHour, 0));
    }

    public static LendingWindow allDay(Set<DayOfWeek> days) {
        return new LendingWindow(days, LocalTime.MIDNIGHT, LocalTime.MIDNIGHT);
    }

    public boolean wraps() {
        return !to.isAfter(from);
    }

    public boolean contains(LocalDateTime t) {
        LocalTime time = t.toLocalTime();
        DayOfWeek day = t.getDayOfWeek();
        if (!wraps()) {
            return days.contains(day) && !time.isBefore(from) && time.isBefore(to);
        }
        return (days.contains(day) && !time.isBefore(from)) || (days.contains(day.minus(1)) && time.isBefore(to));
    }
}
