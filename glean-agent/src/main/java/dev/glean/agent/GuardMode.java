package dev.glean.agent;

import dev.glean.core.error.GleanException;
import java.util.Locale;

/**
 * How hard the node guard protects incumbents. In this version every mode runs secondaries in the kernel's
 * idle class under the glean parent (cpu.idle=1 or the minimum weight) with the memory and pids backstops;
 * the feedback loop that tells the modes apart comes with the guard.
 */
public enum GuardMode {
    MAX_HARVEST("max-harvest"), BALANCED("balanced"), STRICT("strict");

    private final String text;

    GuardMode(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static GuardMode parse(String s) {
        for (GuardMode m : values()) {
            if (m.text.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw GleanException.invalid("guard mode must be max-harvest, balanced or strict: '" + s + "'");
    }
}
