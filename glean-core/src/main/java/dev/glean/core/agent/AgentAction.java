package dev.glean.core.agent;

import dev.glean.core.protocol.Launch;

/** What the agent must do to make the node match the desired state. */
public sealed interface AgentAction {
    record Start(Launch launch) implements AgentAction {}

    record Stop(String containerId, String reason) implements AgentAction {}

    record Remove(String containerId) implements AgentAction {}
}
