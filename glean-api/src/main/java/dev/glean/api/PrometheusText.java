package dev.glean.api;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format (version 0.0.4) by hand: each family once with its HELP and TYPE
 * lines, then its samples; label values and help text escaped as the format asks. No client library: glean
 * exposes a few dozen series and needs no registry.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** Writes families into a {@link PrometheusText}; the controller's and the agent's metrics are each one. */
    @FunctionalInterface
    public interface Source {
        void write(PrometheusText out);
    }

    public enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final StringBuilder out = new StringBuilder();
    private final Set<String> families = new HashSet<>();
    private String current;

    /** Starts a family; its samples follow. A name may appear only once in one exposition. */
    public PrometheusText family(String name, Type type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        if (!families.add(name)) {
            throw new IllegalStateException("metric family written twice: " + name);
        }
        current = name;
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type.text()).append('\n');
        return this;
    }

    /** One sample of the current family; {@code labels} are name, value pairs. */
    public PrometheusText sample(double value, String... labels) {
        if (current == null) {
            throw new IllegalStateException("a sample needs a family first");
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        out.append(current);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL_NAME.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("not a label name: " + labels[i]);
                }
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value(value)).append('\n');
        return this;
    }

    /**
     * One histogram of the current family (of type {@link Type#HISTOGRAM}): a {@code _bucket} line per upper bound
     * with the count at or below it, {@code +Inf}, then {@code _sum} and {@code _count}. {@code counts[i]} are the
     * observations in bucket {@code i} alone (not cumulative); {@code counts} has one more entry than {@code bounds}
     * (above the last bound).
     */
    public PrometheusText histogram(double[] bounds, long[] counts, double sum) {
        if (current == null) {
            throw new IllegalStateException("a histogram needs a family first");
        }
        if (counts.length != bounds.length + 1) {
            throw new IllegalArgumentException("one count per bound and one above the last");
        }
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += counts[i];
            out.append(current).append("_bucket{le=\"").append(i < bounds.length ? value(bounds[i]) : "+Inf").append("\"} ")
                    .append(cumulative).append('\n');
        }
        out.append(current).append("_sum ").append(value(sum)).append('\n');
        out.append(current).append("_count ").append(cumulative).append('\n');
        return this;
    }

    public String text() {
        return out.toString();
    }

    /** Backslash, double quote and line feed are escaped in label values. */
    static String escapeLabel(String v) {
        String s = v == null ? "" : v;
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Backslash and line feed are escaped in help text. */
    static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
