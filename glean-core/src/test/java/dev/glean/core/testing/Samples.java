package dev.glean.core.testing;

import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Instant;
import java.util.Map;

/** Builds readings for tests: a node of {@code cpus} and {@code memGiB}, incumbents using the given amounts. */
public final class Samples {
    private Samples() {}

    public static NodeSample node(Instant at, int cpus, long memGiB, long incumbentMillicores, long incumbentMemMiB) {
        Bytes total = new Bytes(memGiB << 30);
        Bytes used = Bytes.ofMiB(incumbentMemMiB);
        return new NodeSample(at, cpus, total, total.minus(used), new Millicores(incumbentMillicores), Millicores.ZERO, Bytes.ZERO,
                Bytes.ZERO, 0, 0, 0, Pressure.NONE, Pressure.NONE, Pressure.NONE, Map.of());
    }
}
