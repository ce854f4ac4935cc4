package dev.glean.core.runtime;

import java.time.Instant;
import java.util.Map;

/** A container as its runtime knows it, live or ended. {@code exitCode} is null while live or when unknown. */
public record ContainerInfo(
        String id,
        ContainerPhase phase,
        Integer exitCode,
        Instant startedAt,
        Instant finishedAt,
        int pid,
        String detail,
        Map<String, String> annotations) {

    public ContainerInfo {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
