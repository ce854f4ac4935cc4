package dev.glean.controller;

import dev.glean.controller.nodes.AgentService;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.GuardReport;
import dev.glean.core.protocol.Launch;
import dev.glean.core.protocol.LogChunk;
import dev.glean.core.protocol.Protocol;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerPhase;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node agent without a node: holds containers as records, reports them, and obeys desired states the way
 * the real agent does (start what is desired, stop what is not, drop what is acknowledged).
 */
public final class SimulatedAgent {
    public final String node;
    private final AgentService service;
    private final Clock clock;
    private final int cpus;
    private final long memGiB;
    private final Map<String, String> labels;
    private final Map<String, ContainerReport> containers = new LinkedHashMap<>();
    private final Map<String, byte[]> logs = new LinkedHashMap<>();
    public DesiredState last;
    public long incumbentMillicores = 0;
    /** The guard part of the next reports, null for none; {@code instance} is the agent instance reported. */
    public GuardReport guard;
    public String instance;

    public SimulatedAgent(String node, AgentService service, Clock clock, int cpus, long memGiB) {
        this(node, service, clock, cpus, memGiB, Map.of());
    }

    public SimulatedAgent(String node, AgentService service, Clock clock, int cpus, long memGiB, Map<String, String> labels) {
        this.labels = Map.copyOf(labels);
        this.node = node;
        this.service = service;
        this.clock = clock;
        this.cpus = cpus;
        this.memGiB = memGiB;
    }

    public DesiredState report() {
        last = service.report(build());
        obey();
        return last;
    }

    /** Reports through {@link AgentService#reportInMemory}; null (nothing obeyed) when the controller needs its store. */
    public DesiredState reportInMemory() {
        DesiredState d = service.reportInMemory(build());
        if (d != null) {
            last = d;
            obey();
        }
        return d;
    }

    private AgentReport build() {
        Bytes total = new Bytes(memGiB << 30);
        NodeSample s = new NodeSample(clock.instant(), cpus, total, total.minus(Bytes.ofMiB(512)), new Millicores(incumbentMillicores),
                Millicores.ZERO, Bytes.ZERO, Bytes.ZERO, 0, 0, 0, Pressure.NONE, Pressure.NONE, Pressure.NONE, Map.of());
        List<LogChunk> chunks = new ArrayList<>();
        List<ContainerReport> reports = new ArrayList<>();
        for (ContainerReport c : containers.values()) {
            byte[] log = logs.getOrDefault(c.attemptId(), new byte[0]);
            long have = last == null ? 0 : last.logOffsets().getOrDefault(c.attemptId(), 0L);
            if (log.length > have) {
                chunks.add(new LogChunk(c.attemptId(), have, java.util.Arrays.copyOfRange(log, (int) have, log.length)));
            }
            reports.add(new ContainerReport(c.attemptId(), c.phase(), c.exitCode(), c.startedAt(), c.finishedAt(), log.length, c.reason()));
        }
        return new AgentReport(Protocol.VERSION, node, instance == null ? "sim-" + node : instance, labels, s, reports,
                chunks, clock.instant(), guard);
    }

    /** Starts desired containers (as RUNNING), stops undesired ones (exit 143), removes acknowledged ones. */
    private void obey() {
        for (Launch l : last.run()) {
            containers.putIfAbsent(l.attemptId(), new ContainerReport(l.attemptId(), ContainerPhase.RUNNING, null, clock.instant(), null, 0, null));
        }
        for (String id : List.copyOf(containers.keySet())) {
            ContainerReport c = containers.get(id);
            boolean desired = last.run().stream().anyMatch(l -> l.attemptId().equals(id));
            if (!desired && c.phase() == ContainerPhase.RUNNING) {
                exit(id, 143);
            }
            if (last.ack().contains(id)) {
                containers.remove(id);
                logs.remove(id);
            }
        }
    }

    public void exit(String id, int code) {
        exit(id, code, null);
    }

    public void exit(String id, int code, String reason) {
        ContainerReport c = containers.get(id);
        containers.put(id, new ContainerReport(id, ContainerPhase.EXITED, code, c.startedAt(), clock.instant(), 0, reason));
    }

    public void print(String id, String text) {
        String line = clock.instant() + " stdout F " + text + "\n";
        byte[] old = logs.getOrDefault(id, new byte[0]);
        byte[] add = line.getBytes(StandardCharsets.UTF_8);
        byte[] n = java.util.Arrays.copyOf(old, old.length + add.length);
        System.arraycopy(add, 0, n, old.length, add.length);
        logs.put(id, n);
    }

    public Map<String, ContainerReport> containers() {
        return containers;
    }

    public List<String> running() {
        return containers.values().stream().filter(c -> c.phase() == ContainerPhase.RUNNING).map(ContainerReport::attemptId).toList();
    }
}
