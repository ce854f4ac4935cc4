package dev.glean.sim;

import dev.glean.core.error.GleanException;
import java.util.Locale;

/** Which estimate the simulated controller lends by: glean's forecast, or the naive ablation (what is free now). */
public enum EstimatorKind {
    FORECAST, NAIVE;

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EstimatorKind parse(String s) {
        for (EstimatorKind k : values()) {
            if (k.text().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw GleanException.invalid("--estimator must be forecast or naive: '" + s + "'");
    }
}
