package dev.glean.core.job;

import dev.glean.core.error.GleanException;

/** "g-JOB-INDEX-ATTEMPT": names an attempt's container on its node; parseable back. */
public record AttemptId(String jobId, int index, int attempt) {
    private static final String PREFIX = "g-";

    public static String of(String jobId, int index, int attempt) {
        return PREFIX + jobId.replaceAll("[^A-Za-z0-9_.]", "_") + "-" + index + "-" + attempt;
    }

    /** Parses only ids made from job ids without '-' or ':', which is every id glean generates. */
    public static AttemptId parse(String id) {
        if (!id.startsWith(PREFIX)) {
            throw GleanException.invalid("not a glean attempt id: " + id);
        }
        String rest = id.substring(PREFIX.length());
        int b = rest.lastIndexOf('-');
        int a = b > 0 ? rest.lastIndexOf('-', b - 1) : -1;
        if (a <= 0) {
            throw GleanException.invalid("not a glean attempt id: " + id);
        }
        try {
            return new AttemptId(rest.substring(0, a), Integer.parseInt(rest.substring(a + 1, b)), Integer.parseInt(rest.substring(b + 1)));
        } catch (NumberFormatException e) {
            throw GleanException.invalid("not a glean attempt id: " + id);
        }
    }

    @Override
    public String toString() {
        return of(jobId, index, attempt);
    }
}
