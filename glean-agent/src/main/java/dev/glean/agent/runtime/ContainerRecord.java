package dev.glean.agent.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What glean keeps about a container in {@code container.json} so that any later runtime instance (after an
 * agent restart) can rebuild its {@link dev.glean.core.runtime.ContainerInfo}. The pids come with their start
 * times (field 22 of /proc/PID/stat) so a recycled pid is never taken for the container. Zero pids mean
 * "not started yet".
 */
record ContainerRecord(
        String id,
        String image,
        List<String> command,
        Map<String, String> annotations,
        Instant createdAt,
        Instant startedAt,
        int containerPid,
        long containerStartTicks,
        int conmonPid,
        long conmonStartTicks) {

    ContainerRecord {
        command = command == null ? List.of() : List.copyOf(command);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    static ContainerRecord created(String id, String image, List<String> command, Map<String, String> annotations,
            Instant createdAt) {
        return new ContainerRecord(id, image, command, annotations, createdAt, null, 0, 0, 0, 0);
    }

    ContainerRecord started(Instant at, int pid, long pidStart, int monitorPid, long monitorStart) {
        return new ContainerRecord(id, image, command, annotations, createdAt, at, pid, pidStart, monitorPid,
                monitorStart);
    }
}
