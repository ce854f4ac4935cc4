package dev.glean.sim.swarm;

import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Launch;
import dev.glean.core.protocol.LogChunk;
import dev.glean.core.protocol.Protocol;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerPhase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One simulated agent: incumbents whose CPU and memory follow their own daily-like wave with noise and bursts, and
 * the containers the controller wants, "run" as timers (a {@code sleep N} command runs N seconds, anything else
 * {@link #DEFAULT_RUNTIME}). It builds the same {@link AgentReport} NodeAgent sends and follows a
 * {@link DesiredState} the way NodeAgent's reconcile does: start what is desired once, stop what is not, drop what
 * the controller acknowledged, send each log from the offset the controller holds. Thread-safe (one monitor).
 */
final class SimulatedNode {
    static final Duration DEFAULT_RUNTIME = Duration.ofSeconds(30);
    private static final long GIB = 1L << 30;
    private static final int[] CPUS = {8, 16, 32, 64};

    private final String name;
    private final Map<String, String> labels;
    private final String instance = UUID.randomUUID().toString();
    private final int cpus;
    private final long memoryTotal;
    private final SplittableRandom random;
    private final double cpuBase;
    private final double cpuWave;
    private final double wavePhase;
    private final double memoryBase;
    /** Seconds per wave: a compressed day, so the estimator sees incumbents that change within a run. */
    private final double waveSeconds;
    private final Map<String, Container> containers = new LinkedHashMap<>();
    /** Attempts started once: an attempt id is never started again (the agent's rule too). */
    private final Set<String> started = new HashSet<>();
    private DesiredState desired;
    private Instant lastSample;
    private double busySeconds;
    private double idleSeconds;
    private double secondarySeconds;
    private double burstLeft;

    private static final class Container {
        final Launch launch;
        final Instant startedAt;
        final Instant endsAt;
        Instant finishedAt;
        Integer exitCode;
        String reason;
        byte[] log = new byte[0];
        long controllerHolds;

        Container(Launch launch, Instant startedAt, Duration runtime) {
            this.launch = launch;
            this.startedAt = startedAt;
            this.endsAt = startedAt.plus(runtime);
        }

        boolean live() {
            return finishedAt == null;
        }
    }

    SimulatedNode(String name, int index, long seed) {
        this.name = name;
        this.random = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
        this.labels = Map.of("zone", "z" + (index % 4), "swarm", "true");
        this.cpus = CPUS[random.nextInt(CPUS.length)];
        this.memoryTotal = cpus * (4L + random.nextInt(5)) * GIB;
        // Mostly idle servers (10-30 % busy, the deployments glean is for), a few busy ones.
        this.cpuBase = random.nextDouble() < 0.1 ? 0.5 + random.nextDouble() * 0.3 : 0.05 + random.nextDouble() * 0.25;
        this.cpuWave = random.nextDouble() * 0.15;
        this.wavePhase = random.nextDouble();
        this.memoryBase = 0.2 + random.nextDouble() * 0.4;
        this.waveSeconds = 600 + random.nextInt(1200);
    }

    String name() {
        return name;
    }

    synchronized DesiredState desired() {
        return desired;
    }

    synchronized int liveContainers() {
        return (int) containers.values().stream().filter(Container::live).count();
    }

    /** The report NodeAgent would send now: a fresh reading, every container held, new log bytes. */
    synchronized AgentReport report(Instant now) {
        finishDue(now);
        NodeSample sample = sample(now);
        List<ContainerReport> reports = new ArrayList<>(containers.size());
        List<LogChunk> logs = new ArrayList<>();
        for (Map.Entry<String, Container> e : containers.entrySet()) {
            Container c = e.getValue();
            reports.add(new ContainerReport(e.getKey(), c.live() ? ContainerPhase.RUNNING : ContainerPhase.EXITED, c.exitCode,
                    c.startedAt, c.finishedAt, c.log.length, c.reason));
            if (c.log.length > c.controllerHolds) {
                int from = (int) c.controllerHolds;
                byte[] rest = java.util.Arrays.copyOfRange(c.log, from, c.log.length);
                logs.add(new LogChunk(e.getKey(), from, rest));
            }
        }
        return new AgentReport(Protocol.VERSION, name, instance, labels, sample, reports, logs, now);
    }

    /**
     * Takes a desired state (from a report's answer, held or not) the way NodeAgent does: a newer version or another
     * controller term wins. Returns the number of containers started.
     */
    synchronized int accept(DesiredState d, Instant now, boolean fromReport) {
        if (desired != null && d.epoch() == desired.epoch() && d.version() < desired.version()) {
            return 0;
        }
        desired = d;
        if (fromReport) {
            // Offsets and acks describe this report's containers; a long-poll answer carries none.
            d.logOffsets().forEach((id, held) -> {
                Container c = containers.get(id);
                if (c != null) {
                    c.controllerHolds = Math.min(held, c.log.length);
                }
            });
            for (String id : d.ack()) {
                Container c = containers.get(id);
                if (c != null && !c.live()) {
                    containers.remove(id);
                }
            }
        }
        return reconcile(d, now);
    }

    private int reconcile(DesiredState d, Instant now) {
        Set<String> want = new HashSet<>();
        int starts = 0;
        for (Launch l : d.run()) {
            want.add(l.attemptId());
            if (started.add(l.attemptId())) {
                containers.put(l.attemptId(), new Container(l, now, runtime(l)));
                starts++;
            }
        }
        for (Map.Entry<String, Container> e : containers.entrySet()) {
            Container c = e.getValue();
            if (c.live() && !want.contains(e.getKey())) {
                end(c, now, 143, "stopped: not desired");
            }
        }
        return starts;
    }

    private static Duration runtime(Launch l) {
        List<String> cmd = l.command();
        if (cmd.size() == 2 && cmd.get(0).equals("sleep")) {
            try {
                return Duration.ofMillis((long) (Double.parseDouble(cmd.get(1)) * 1000));
            } catch (NumberFormatException e) {
                return DEFAULT_RUNTIME;
            }
        }
        return DEFAULT_RUNTIME;
    }

    private void finishDue(Instant now) {
        for (Container c : containers.values()) {
            if (c.live() && !now.isBefore(c.endsAt)) {
                end(c, now, 0, null);
            }
        }
    }

    private static void end(Container c, Instant now, int exitCode, String reason) {
        c.finishedAt = now;
        c.exitCode = exitCode;
        c.reason = reason;
        // One CRI log record, like conmon writes.
        c.log = (now + " stdout F " + c.launch.attemptId() + " done\n").getBytes(StandardCharsets.UTF_8);
    }

    private NodeSample sample(Instant now) {
        double dt = lastSample == null ? 1.0 : Math.max(0.001, Duration.between(lastSample, now).toNanos() / 1e9);
        lastSample = now;
        double t = now.toEpochMilli() / 1000.0;
        double wave = Math.sin(2 * Math.PI * (t / waveSeconds + wavePhase));
        if (burstLeft <= 0 && random.nextDouble() < 0.002) {
            burstLeft = 5 + random.nextInt(30);
        }
        double burst = burstLeft > 0 ? 0.3 : 0;
        burstLeft -= dt;
        double incumbentShare = clamp(cpuBase + cpuWave * wave + burst + random.nextGaussian() * 0.03, 0.01, 0.98);
        long incumbentCpu = (long) (incumbentShare * cpus * 1000);
        long secondaryCpu = 0;
        long secondaryMemory = 0;
        Map<String, ContainerUsage> usage = new HashMap<>();
        for (Container c : containers.values()) {
            if (c.live()) {
                long cpu = Math.min(c.launch.cpu().value(), cpus * 1000L - incumbentCpu);
                long mem = c.launch.memory().value() / 2;
                secondaryCpu += Math.max(0, cpu);
                secondaryMemory += mem;
                usage.put(c.launch.attemptId(), new ContainerUsage(new Millicores(Math.max(0, cpu)), new Bytes(mem), new Bytes(mem / 8),
                        Math.max(0, cpu) / 1000.0 * Duration.between(c.startedAt, now).toMillis() / 1000.0));
            }
        }
        long hostCpu = Math.min(cpus * 1000L, incumbentCpu + secondaryCpu);
        busySeconds += hostCpu / 1000.0 * dt;
        idleSeconds += (cpus - hostCpu / 1000.0) * dt;
        secondarySeconds += secondaryCpu / 1000.0 * dt;
        double memShare = clamp(memoryBase + 0.05 * wave + random.nextGaussian() * 0.005, 0.05, 0.95);
        long incumbentMemory = (long) (memShare * memoryTotal);
        long available = Math.max(0, memoryTotal - incumbentMemory - secondaryMemory);
        double cpuPressure = Math.max(0, (incumbentShare - 0.7) * 50 + random.nextDouble());
        return new NodeSample(now, cpus, new Bytes(memoryTotal), new Bytes(available), new Millicores(hostCpu), new Millicores(secondaryCpu),
                new Bytes(secondaryMemory), new Bytes(secondaryMemory / 8), busySeconds, idleSeconds, secondarySeconds,
                new Pressure(cpuPressure, 0, (long) (busySeconds * 1000), 0), new Pressure(random.nextDouble() * 0.2, 0, 0, 0),
                new Pressure(random.nextDouble() * 0.5, random.nextDouble() * 0.1, 0, 0), usage);
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
