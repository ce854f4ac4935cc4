package dev.glean.core.runtime;

import dev.glean.core.resources.Bytes;

/**
 * Kernel backstops on the parent of all secondaries, which hold even when the agent is stalled:
 * {@code memory} is the node's lendable memory, {@code pidsMax} the most processes all secondaries may have.
 */
public record ParentLimits(Bytes memory, long pidsMax) {}
