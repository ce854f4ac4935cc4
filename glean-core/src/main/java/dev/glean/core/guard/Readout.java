package dev.glean.core.guard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers behind one guard action, by name, in the order a reader should see them. Names carry their unit
 * ("availableMiB", "waitMsPerSecond") because events travel as plain JSON.
 */
final class Readout {
    private final LinkedHashMap<String, Double> values = new LinkedHashMap<>();

    Readout put(String name, double value) {
        values.put(name, Math.round(value * 1000) / 1000.0);
        return this;
    }

    Map<String, Double> map() {
        return freeze(values);
    }

    static Map<String, Double> freeze(Map<String, Double> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
