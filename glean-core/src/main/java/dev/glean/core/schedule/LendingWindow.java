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

    private static final java.util.List<String> DAY_NAMES = java.util.List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    /**
     * Reads the form admins write: days, then an optional time range — "Mon-Fri 20:00-07:00", "Sat-Sun",
     * "Mon,Wed 12:00-14:00", "daily 00:00-06:00". Days are ranges or lists of three-letter names (any case);
     * without a time range the window is the whole of each day.
     */
    public static LendingWindow parse(String text) {
        String t = text == null ? "" : text.trim();
        String[] parts = t.split("\\s+");
        if (t.isEmpty() || parts.length > 2) {
            throw dev.glean.core.error.GleanException.invalid(
                    "lending window must be DAYS [HH:MM-HH:MM], like 'Mon-Fri 20:00-07:00' or 'Sat-Sun': '" + t + "'");
        }
        Set<DayOfWeek> days = days(parts[0], t);
        if (parts.length == 1) {
            return allDay(days);
        }
        String[] range = parts[1].split("-", -1);
        if (range.length != 2) {
            throw dev.glean.core.error.GleanException.invalid("lending window time must be HH:MM-HH:MM: '" + t + "'");
        }
        return new LendingWindow(days, time(range[0], t), time(range[1], t));
    }

    private static Set<DayOfWeek> days(String spec, String whole) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        if (spec.equalsIgnoreCase("daily")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        for (String item : spec.split(",", -1)) {
            String[] range = item.split("-", -1);
            if (range.length > 2) {
                throw dev.glean.core.error.GleanException.invalid("lending window days must be like Mon-Fri or Sat,Sun: '" + whole + "'");
            }
            DayOfWeek from = day(range[0], whole);
            DayOfWeek to = range.length == 2 ? day(range[1], whole) : from;
            // A range may wrap the week ("Fri-Mon").
            for (DayOfWeek d = from;; d = d.plus(1)) {
                days.add(d);
                if (d == to) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String name, String whole) {
        int i = DAY_NAMES.indexOf(name.toLowerCase(java.util.Locale.ROOT));
        if (i < 0) {
            throw dev.glean.core.error.GleanException.invalid("unknown day '" + name + "' in lending window '" + whole
                    + "' (Mon Tue Wed Thu Fri Sat Sun, or daily)");
        }
        return DayOfWeek.of(i + 1);
    }

    private static LocalTime time(String hhmm, String whole) {
        if (hhmm.equals("24:00")) {
            return LocalTime.MIDNIGHT;
        }
        try {
            return LocalTime.parse(hhmm.length() == 4 ? "0" + hhmm : hhmm);
        } catch (java.time.format.DateTimeParseException e) {
            throw dev.glean.core.error.GleanException.invalid("lending window time must be HH:MM: '" + hhmm + "' in '" + whole + "'");
        }
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
