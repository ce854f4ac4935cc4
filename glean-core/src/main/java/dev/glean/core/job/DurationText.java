package dev.glean.core.job;

import dev.glean.core.error.GleanException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: "90s", "5m", "1h30m", "2d", "500ms", or ISO-8601 "PT5M". */
public final class DurationText {
    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

    private DurationText() {}

    private static boolean allDigits(String t, int end) {
        for (int i = 0; i < end; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw GleanException.invalid("duration is empty");
        }
        String t = text.trim();
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
                throw GleanException.invalid("not a duration: '" + text + "'");
            }
        }
        if (allDigits(t, t.length())) {
            try {
                return Duration.ofSeconds(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw GleanException.invalid("duration is too large: '" + text + "'");
            }
        }
        // What agents send with every report ("1000ms"), without a matcher.
        if (t.endsWith("ms") && t.length() > 2 && t.length() <= 20 && allDigits(t, t.length() - 2)) {
            return Duration.ofMillis(Long.parseLong(t, 0, t.length() - 2, 10));
        }
        Matcher m = PART.matcher(t);
        Duration d = Duration.ZERO;
        int end = 0;
        try {
            while (m.find()) {
                if (m.start() != end) {
                    throw GleanException.invalid("not a duration (like 90s, 5m, 1h30m): '" + text + "'");
                }
                long v = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(v);
                    case "s" -> Duration.ofSeconds(v);
                    case "m" -> Duration.ofMinutes(v);
                    case "h" -> Duration.ofHours(v);
                    case "d" -> Duration.ofDays(v);
                    default -> throw new IllegalStateException(m.group(2));
                });
                end = m.end();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw GleanException.invalid("duration is too large: '" + text + "'");
        }
        if (end != t.length() || end == 0) {
            throw GleanException.invalid("not a duration (like 90s, 5m, 1h30m): '" + text + "'");
        }
        return d;
    }

    public static String format(Duration d) {
        if (d == null) {
            return null;
        }
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
