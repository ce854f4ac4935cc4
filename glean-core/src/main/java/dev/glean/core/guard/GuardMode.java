package dev.glean.core.guard;

import dev.glean.core.error.GleanException;
import java.util.Locale;

/**
 * How hard the node guard protects incumbents. Every mode runs secondaries in the kernel's idle class under the
 * glean parent (cpu.idle=1 or the minimum weight) with the memory and pids backstops, and every mode keeps the
 * memory ladder (memory cannot be taken back by the kernel the way CPU can) and io throttles (no kernel class keeps
 * a disk hog off the incumbents' io here). {@link #MAX_HARVEST} adds no CPU control beyond the idle class and
 * throttles io later and less; {@link #BALANCED} adds the CPU quota loop; {@link #STRICT} tightens their targets (less
 * wait the secondaries may add to the incumbents' own, cuts by half; no CPU kept back for good:
 * measured, that gave no better tail for half the harvest). The numbers are in {@link GuardSettings#forMode}.
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
