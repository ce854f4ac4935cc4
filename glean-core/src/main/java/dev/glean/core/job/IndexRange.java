package dev.glean.core.job;

import dev.glean.core.error.GleanException;

/** An array's task indices, inclusive: "0-999" or a single "7". */
public record IndexRange(int first, int last) {
    public static final int MAX_TASKS = 100_000;

    public IndexRange {
        if (first < 0 || last < first) {
            throw GleanException.invalid("array range must be A-B with 0 <= A <= B, got " + first + "-" + last);
        }
        if ((long) last - first + 1 > MAX_TASKS) {
            throw GleanException.invalid("array has more than " + MAX_TASKS + " tasks: " + first + "-" + last);
        }
    }

    public static IndexRange parse(String text) {
        if (text == null || text.isBlank()) {
            throw GleanException.invalid("array range is empty");
        }
        String t = text.trim();
        int dash = t.indexOf('-', 1);
        try {
            if (dash < 0) {
                int v = Integer.parseInt(t);
                return new IndexRange(v, v);
            }
            return new IndexRange(Integer.parseInt(t.substring(0, dash).trim()), Integer.parseInt(t.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw GleanException.invalid("array range must look like 0-999: '" + text + "'");
        }
    }

    public int size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
