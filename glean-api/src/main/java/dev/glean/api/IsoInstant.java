package dev.glean.api;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The wire's instants, {@code 2026-11-27T14:16:38.123456789Z}, read and written without java.time's formatter: that
 * formatter was the largest single cost of parsing an agent report on the controller, which reads thousands a second.
 * Output is exactly {@link java.time.format.DateTimeFormatter#ISO_INSTANT}'s (fraction in groups of three digits);
 * anything outside the plain shape (other years, offsets, leap seconds) is left to java.time by the caller.
 */
public final class IsoInstant {
    private static final int[] TENS = {100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

    private IsoInstant() {}

    /** The instant, or null when the text is not in the plain UTC shape (the caller then asks java.time). */
    public static Instant parse(CharSequence s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int digits = n - 21;
            if (s.charAt(19) != '.' || digits < 1 || digits > 9) {
                return null;
            }
            int f = digits(s, 20, digits);
            if (f < 0) {
                return null;
            }
            nanos = f * TENS[digits - 1];
        }
        long day0;
        try {
            day0 = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(day0 * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    /** ISO_INSTANT's text for years 0000-9999; null for others (the caller then asks java.time). */
    public static String format(Instant t) {
        long secs = t.getEpochSecond();
        long days = Math.floorDiv(secs, 86_400);
        int inDay = (int) Math.floorMod(secs, 86_400);
        LocalDate d = LocalDate.ofEpochDay(days);
        int year = d.getYear();
        if (year < 0 || year > 9999) {
            return null;
        }
        char[] c = new char[30];
        put(c, 0, year, 4);
        c[4] = '-';
        put(c, 5, d.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, d.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, inDay / 3600, 2);
        c[13] = ':';
        put(c, 14, inDay / 60 % 60, 2);
        c[16] = ':';
        put(c, 17, inDay % 60, 2);
        int len = 19;
        int nano = t.getNano();
        if (nano > 0) {
            c[len++] = '.';
            if (nano % 1_000_000 == 0) {
                put(c, len, nano / 1_000_000, 3);
                len += 3;
            } else if (nano % 1000 == 0) {
                put(c, len, nano / 1000, 6);
                len += 6;
            } else {
                put(c, len, nano, 9);
                len += 9;
            }
        }
        c[len++] = 'Z';
        return new String(c, 0, len);
    }

    private static int digits(CharSequence s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
