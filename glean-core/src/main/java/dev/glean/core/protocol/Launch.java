package dev.glean.core.protocol;

import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One attempt the controller wants running on the node; {@code command} already has {index} substituted. */
public record Launch(
        String attemptId,
        String jobId,
        int taskIndex,
        int attempt,
        List<String> command,
        Map<String, String> env,
        Millicores cpu,
        Bytes memory,
        String image,
        List<VolumeMount> volumes,
        Duration timeout) {

    public Launch {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }
}
