package dev.glean.core.runtime;

import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.util.List;
import java.util.Map;

/**
 * What a runtime needs to start one container. {@code cpu} sets its weight among secondaries (the parent
 * cgroup ranks all of them below the incumbents); {@code memory} is its hard limit; {@code pidsMax} bounds
 * fork bombs. {@code annotations} are kept with the container and returned by {@link ContainerRuntime#list()}.
 */
public record ContainerSpec(
        String id,
        List<String> command,
        Map<String, String> env,
        Millicores cpu,
        Bytes memory,
        long pidsMax,
        String image,
        List<VolumeMount> volumes,
        Map<String, String> annotations) {

    public ContainerSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
        annotations = Map.copyOf(annotations);
    }
}
