package dev.glean.agent;

import dev.glean.agent.guard.ProtectedIncumbents;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.resources.Bytes;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the agent is told at start. {@code pidsPerJob}/{@code pidsTotal}: fork-bomb backstops per container
 * and for all secondaries. {@code stopGrace}: TERM-to-KILL wait when stopping a container. {@code protect}: the
 * incumbents an admin names for closer watching. {@code metrics}: the "host:port" of the agent's /metrics listener,
 * null for none. {@code diskPerJob}: the size of each container's own filesystem for /work and /tmp; {@code logPerJob}:
 * the most of its log kept on the node (zero: no limit, for either).
 */
public record AgentSettings(
        String node,
        List<URI> controllers,
        Path stateDir,
        Map<String, String> labels,
        GuardMode guard,
        Duration reportInterval,
        Duration watchInterval,
        long pidsPerJob,
        long pidsTotal,
        Duration stopGrace,
        ProtectedIncumbents protect,
        String metrics,
        Bytes diskPerJob,
        Bytes logPerJob) {

    /** Loopback by default: the numbers say what runs on the node. */
    public static final String DEFAULT_METRICS = "127.0.0.1:7071";

    public AgentSettings {
        controllers = List.copyOf(controllers);
        labels = Map.copyOf(labels);
    }


    public static AgentSettings defaults(String node, List<URI> controllers, Path stateDir) {
        return new AgentSettings(node, controllers, stateDir, Map.of(), GuardMode.BALANCED, Duration.ofSeconds(1),
                Duration.ofMillis(100), 1024, 16384, Duration.ofSeconds(10), ProtectedIncumbents.NONE, DEFAULT_METRICS,
                Bytes.ofMiB(10 * 1024), Bytes.ofMiB(64));
    }
}
