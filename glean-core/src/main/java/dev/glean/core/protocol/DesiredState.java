package dev.glean.core.protocol;

import dev.glean.core.resources.Bytes;
import java.util.List;
import java.util.Map;

/**
 * The controller's answer: everything that should run on the node ({@code run}); a container the agent holds
 * that is not listed must be stopped. {@code ack}: ended attempts the controller has durably recorded, with
 * all their logs, which the agent may now delete. {@code logOffsets}: how many log bytes the controller holds
 * per live attempt, so the agent resends from there. The agent holds a lease of {@code leaseMillis} counted
 * from when it SENT the request that this answers; if it cannot renew it in time it stops all its
 * secondaries, before the controller gives their tasks to other nodes. {@code epoch} identifies the
 * controller term (for fencing once several controllers share a database). {@code lendableMemory} is the
 * kernel backstop for the parent cgroup. {@code guardEventsAck}: the highest guard event seq of the agent's current
 * instance the controller has stored (0: none); the agent drops those up to it from its outbox.
 */
public record DesiredState(
        int protocolVersion,
        String node,
        long version,
        long epoch,
        long leaseMillis,
        List<Launch> run,
        List<String> ack,
        Map<String, Long> logOffsets,
        Bytes lendableMemory,
        long guardEventsAck) {

    public DesiredState {
        run = List.copyOf(run);
        ack = List.copyOf(ack);
        logOffsets = Map.copyOf(logOffsets);
    }

    /** A desired state that acknowledges no guard event. */
    public DesiredState(int protocolVersion, String node, long version, long epoch, long leaseMillis, List<Launch> run,
            List<String> ack, Map<String, Long> logOffsets, Bytes lendableMemory) {
        this(protocolVersion, node, version, epoch, leaseMillis, run, ack, logOffsets, lendableMemory, 0);
    }
}
