package dev.glean.core.job;

import dev.glean.core.error.GleanException;

/** "g-JOB-INDEX-ATTEMPT": names an attempt's container on its node; parseable back. */
public record AttemptId(String jobId, int index, int attempt) {
    private static final String PREFIX = "g-";

    public static String of(String jobId, int index, int attempt) {
        StringBuilder b = new StringBuilder(PREFIX.length() + jobId.length() + 12).append(PREFIX);
        // Each code point outside [A-Za-z0-9_.] becomes '_' (as the regex it replaces did); no regex: called per report.
        jobId.codePoints().forEach(c -> b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' ? (char) c : '_'));
        return b.append('-').append(index).append('-').append(attempt).toString();
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
