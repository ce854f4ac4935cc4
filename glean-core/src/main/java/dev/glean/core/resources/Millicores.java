package dev.glean.core.resources;

import dev.glean.core.error.GleanException;
import java.math.BigDecimal;

/** CPU in thousandths of a core. */
public record Millicores(long value) implements Comparable<Millicores> {
    public static final Millicores ZERO = new Millicores(0);

    public Millicores {
        if (value < 0) {
            throw GleanException.invalid("cpu must not be negative: " + value + "m");
        }
    }

    public static Millicores ofCores(double cores) {
        if (Double.isNaN(cores) || Double.isInfinite(cores) || cores < 0 || cores > 1e9) {
            throw GleanException.invalid("cpu must be a number of cores between 0 and 1e9, got " + cores);
        }
        return new Millicores(Math.round(cores * 1000));
    }

    /** Parses "0.5", "2", or "500m" (Kubernetes style). */
    public static Millicores parse(String text) {
        if (text == null || text.isBlank()) {
            throw GleanException.invalid("cpu is empty");
        }
        String t = text.trim();
        try {
            if (t.endsWith("m")) {
                long v = Long.parseLong(t.substring(0, t.length() - 1));
                if (v < 0) {
                    throw GleanException.invalid("cpu must not be negative: '" + text + "'");
                }
                return new Millicores(v);
            }
            BigDecimal cores = new BigDecimal(t);
            if (cores.signum() < 0) {
                throw GleanException.invalid("cpu must not be negative: '" + text + "'");
            }
            if (cores.compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
                throw GleanException.invalid("cpu is too large: '" + text + "'");
            }
            return new Millicores(cores.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw GleanException.invalid("cpu is not a number of CPUs (like 0.5, 2 or 500m): '" + text + "'");
        }
    }

    public double cores() {
        return value / 1000.0;
    }

    public Millicores plus(Millicores o) {
        return new Millicores(Math.addExact(value, o.value));
    }

    /** Saturates at zero: capacity arithmetic never goes negative. */
    public Millicores minus(Millicores o) {
        return new Millicores(Math.max(0, value - o.value));
    }

    public Millicores times(double factor) {
        return new Millicores(Math.max(0, Math.round(value * factor)));
    }

    @Override
    public int compareTo(Millicores o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return value % 1000 == 0 ? Long.toString(value / 1000) : BigDecimal.valueOf(value, 3).stripTrailingZeros().toPlainString();
    }
}
