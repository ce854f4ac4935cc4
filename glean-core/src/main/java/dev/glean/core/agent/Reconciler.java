package dev.glean.core.agent;

import dev.glean.core.protocol.Launch;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Desired state + what the node holds -> actions; level-triggered like the kubelet, so running it again after
 * a lost message or a restart converges. Rules: without a valid lease nothing starts and everything live is
 * stopped (the controller may already be giving the work to another node: a job must never run twice); an
 * attempt id is started at most once (an ended one is reported, never restarted); a live container that is
 * not desired is stopped, and so is one left created but never started; an ended container is removed only once
 * the controller has acknowledged it.
 */
public final class Reconciler {
    public static final String NEVER_STARTED = "created but never started";

    private Reconciler() {}

    public static List<AgentAction> plan(
            Collection<Launch> desired, Set<String> acknowledged, Collection<ContainerInfo> held, Set<String> inFlight, boolean leaseValid) {
        Map<String, ContainerInfo> byId = new HashMap<>();
        for (ContainerInfo c : held) {
            byId.put(c.id(), c);
        }
        Map<String, Launch> want = new HashMap<>();
        for (Launch l : desired) {
            want.put(l.attemptId(), l);
        }
        List<AgentAction> actions = new ArrayList<>();
        for (ContainerInfo c : held) {
            boolean live = c.phase() != ContainerPhase.EXITED;
            if (live && inFlight.contains(c.id())) {
                continue;
            }
            if (live && !leaseValid) {
                actions.add(new AgentAction.Stop(c.id(), dev.glean.core.protocol.ContainerReport.LEASE_EXPIRED));
            } else if (live && !want.containsKey(c.id())) {
                actions.add(new AgentAction.Stop(c.id(), dev.glean.core.protocol.ContainerReport.NO_LONGER_DESIRED));
            } else if (c.phase() == ContainerPhase.CREATED) {
                // Created but never started, and no start is under way: left by an agent that died mid-start.
                actions.add(new AgentAction.Stop(c.id(), NEVER_STARTED));
            } else if (!live && acknowledged.contains(c.id()) && !want.containsKey(c.id())) {
                actions.add(new AgentAction.Remove(c.id()));
            }
        }
        if (leaseValid) {
            for (Launch l : desired) {
                if (!byId.containsKey(l.attemptId()) && !inFlight.contains(l.attemptId())) {
                    actions.add(new AgentAction.Start(l));
                }
            }
        }
        return actions;
    }
}
