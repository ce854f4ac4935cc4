package dev.glean.core.protocol;

import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One attempt the controller wants running on the node; {@code command} already has {index} substituted.
 * {@code priority} is the job's: the node's guard evicts the lowest first.
 */
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
        Duration timeout,
        int priority) {

    /** A launch of priority 0. */
    public Launch(String attemptId, String jobId, int taskIndex, int attempt, List<String> command, Map<String, String> env,
            Millicores cpu, Bytes memory, String image, List<VolumeMount> volumes, Duration timeout) {
        this(attemptId, jobId, taskIndex, attempt, command, env, cpu, memory, image, volumes, timeout, 0);
    }

    public Launch {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }
}
