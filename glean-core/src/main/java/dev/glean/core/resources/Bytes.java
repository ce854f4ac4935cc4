package dev.glean.core.resources;

import dev.glean.core.error.GleanException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes; parses "256M", "1.5G", "512Mi", "1024" (binary multiples: M = MiB, as Slurm and Docker do). */
public record Bytes(long value) implements Comparable<Bytes> {
    public static final Bytes ZERO = new Bytes(0);
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgtp]?)(i?b?)", Pattern.CASE_INSENSITIVE);

    public Bytes {
        if (value < 0) {
            throw GleanException.invalid("size must not be negative: " + value);
        }
    }

    public static Bytes ofMiB(long mib) {
        return new Bytes(Math.multiplyExact(mib, 1L << 20));
    }

    public static Bytes parse(String text) {
        if (text == null || text.isBlank()) {
            throw GleanException.invalid("size is empty");
        }
        String t = text.trim();
        if (t.startsWith("-")) {
            throw GleanException.invalid("size must not be negative: '" + text + "'");
        }
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw GleanException.invalid("not a size (like 512M, 2G or 1048576): '" + text + "'");
        }
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "" -> 0;
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> throw GleanException.invalid("unknown size unit in '" + text + "'");
        };
        if (unit.isEmpty() && m.group(3).equalsIgnoreCase("i")) {
            throw GleanException.invalid("not a size (like 512M, 2G or 1048576): '" + text + "'");
        }
        try {
            BigDecimal v = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(2).pow(shift));
            return new Bytes(v.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
        } catch (ArithmeticException e) {
            throw GleanException.invalid("size is too large: '" + text + "'");
        }
    }

    public Bytes plus(Bytes o) {
        return new Bytes(Math.addExact(value, o.value));
    }

    /** Saturates at zero. */
    public Bytes minus(Bytes o) {
        return new Bytes(Math.max(0, value - o.value));
    }

    public Bytes times(double factor) {
        return new Bytes(Math.max(0, (long) Math.floor(value * factor)));
    }

    public static Bytes min(Bytes a, Bytes b) {
        return a.value <= b.value ? a : b;
    }

    public static Bytes max(Bytes a, Bytes b) {
        return a.value >= b.value ? a : b;
    }

    @Override
    public int compareTo(Bytes o) {
        return Long.compare(value, o.value);
    }

    /** Human form: exact where it can be ("256M", "1536M"), else one decimal of the largest unit ("23.5G"). */
    public String human() {
        String[] units = {"", "K", "M", "G", "T", "P"};
        int u = 0;
        while (u < units.length - 1 && value >= (1L << (10 * (u + 1)))) {
            u++;
        }
        for (int e = u; e >= 0; e--) {
            long unit = 1L << (10 * e);
            if (value % unit == 0 && value / unit < 100_000) {
                return value / unit + units[e];
            }
        }
        return String.format(Locale.ROOT, "%.1f%s", value / (double) (1L << (10 * u)), units[u]);
    }

    @Override
    public String toString() {
        return human();
    }
}
