package dev.glean.sim.swarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glean.api.WireJson;
import dev.glean.core.error.GleanException;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Protocol;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents in one JVM speaking the real agent protocol to a real controller: N nodes, each on its own
 * connections, each reporting once a second at its own offset within the second (so the load is spread evenly),
 * each asking the controller to hold the answer until its desired state changes like NodeAgent (optional), and a user
 * that submits short jobs for the nodes to "run". Measures every report's latency from sending to the answer read
 * (past the hold when the controller had no news), over a window after warm-up.
 *
 * <p>Run: {@code java -cp glean.jar dev.glean.sim.swarm.Swarm --controller http://127.0.0.1:7070 --nodes 1000}.
 */
public final class Swarm {
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration JOB_EVERY = Duration.ofSeconds(10);
    private static final Duration LINGER = Duration.ofSeconds(10);

    private final SwarmSettings settings;
    private final InetSocketAddress address;
    private final ObjectMapper json = WireJson.mapper();
    private final PrintStream out;
    private final LatencyHistogram window = new LatencyHistogram();
    private final LatencyHistogram interval = new LatencyHistogram();
    /** How late a report left against its slot: when the swarm itself falls behind, the load it offers drops. */
    private final LatencyHistogram lag = new LatencyHistogram();
    private final AtomicLong reports = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong windowErrors = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private volatile boolean measuring;
    private volatile boolean running = true;

    private final Duration linger;

    Swarm(SwarmSettings settings, PrintStream out, Duration linger) {
        this.settings = settings;
        this.linger = linger;
        URI u = settings.controller();
        this.address = new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 80 : u.getPort());
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        SwarmSettings s;
        try {
            s = SwarmSettings.parse(args);
        } catch (GleanException e) {
            System.err.println("swarm: " + e.getMessage());
            System.err.println(SwarmSettings.USAGE);
            System.exit(2);
            return;
        }
        Swarm swarm = new Swarm(s, System.err, LINGER);
        SwarmResult r = swarm.run();
        if (s.histogram() != null) {
            try (java.io.PrintWriter w = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(s.histogram()))) {
                swarm.window.writeTo(w);
            }
        }
        System.out.println(r.line());
        System.out.flush();
        // Held reports may be parked in reads for a second more.
        System.exit(0);
    }

    SwarmResult run() throws InterruptedException {
        List<SimulatedNode> nodes = new ArrayList<>(settings.nodes());
        for (int i = 0; i < settings.nodes(); i++) {
            nodes.add(new SimulatedNode(String.format("%s-%05d", settings.prefix(), i), i, settings.seed()));
        }
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        ReportLoop reporter;
        try {
            reporter = new ReportLoop(address, this::reportBody, new ReportLoop.Listener() {
                @Override
                public DesiredState answered(SimulatedNode node, int status, byte[] body) {
                    return Swarm.this.answered(node, status, body);
                }

                @Override
                public void timed(long latencyNanos, long lateNanos) {
                    interval.recordNanos(latencyNanos);
                    if (measuring) {
                        window.recordNanos(latencyNanos);
                        lag.recordNanos(lateNanos);
                    }
                }

                @Override
                public void failed(SimulatedNode node, String why) {
                    fail("report of " + (node == null ? "the swarm" : node.name()) + ": " + why);
                }
            }, settings.longPoll() ? PERIOD : Duration.ZERO);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (int i = 0; i < nodes.size(); i++) {
            SimulatedNode n = nodes.get(i);
            // Nodes join at a steady rate, as a fleet of agents starting does (all at once overflows the accept queue
            // of any server); once running, their slots fall evenly over the second.
            reporter.add(n, start + (long) (i * 1e9 / settings.joinPerSecond()));
        }
        threads.add(Thread.ofPlatform().name("reports").daemon(true).start(() -> reporter.run(() -> running)));
        if (settings.tasksPerRound() > 0) {
            threads.add(Thread.ofVirtual().name("submit").start(this::submitLoop));
        }
        long warmupEnd = start + settings.warmup().toNanos();
        long end = warmupEnd + settings.measure().toNanos();
        long nextProgress = start + Duration.ofSeconds(10).toNanos();
        long windowReports = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (!measuring && now >= warmupEnd) {
                windowReports = reports.get();
                measuring = true;
            }
            if (now >= nextProgress) {
                progress(now - start, reporter);
                nextProgress += Duration.ofSeconds(10).toNanos();
            }
            Thread.sleep(50);
        }
        measuring = false;
        long inWindow = reports.get() - windowReports;
        // The load goes on a while after the window, so whoever measures the controller beside it is not cut short.
        Thread.sleep(linger);
        running = false;
        long reconnects = reporter.reconnects();
        int live = nodes.stream().mapToInt(SimulatedNode::liveContainers).sum();
        return new SwarmResult(settings.nodes(), settings.longPoll(), settings.measure(), inWindow, window.count(), errors.get(), windowErrors.get(),
                window.quantileMicros(0.50), window.quantileMicros(0.99), window.maxMicros(), lag.quantileMicros(0.99), reconnects,
                reporter.held(), reporter.heldWithNews(), submitted.get(), starts.get(), live);
    }

    private void progress(long elapsed, ReportLoop reporter) {
        out.printf("swarm: %3d s  reports %d  errors %d  p50 %.1f ms  p99 %.1f ms  max %.1f ms  slot lag p99 %.1f ms  held %d"
                        + "  with news %d  started %d%n",
                elapsed / 1_000_000_000L, reports.get(), errors.get(), interval.quantileMicros(0.5) / 1000.0,
                interval.quantileMicros(0.99) / 1000.0, interval.maxMicros() / 1000.0, lag.quantileMicros(0.99) / 1000.0, reporter.held(),
                reporter.heldWithNews(), starts.get());
        interval.reset();
    }

    private byte[] reportBody(SimulatedNode node) {
        try {
            return json.writeValueAsBytes(node.report(Instant.now()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private DesiredState answered(SimulatedNode node, int status, byte[] body) {
        reports.incrementAndGet();
        if (status != 200) {
            fail("report of " + node.name() + " answered " + status + ": " + new String(body, StandardCharsets.UTF_8));
            return null;
        }
        try {
            DesiredState d = json.readValue(body, DesiredState.class);
            starts.addAndGet(node.accept(d, Instant.now(), true));
            return d;
        } catch (IOException | RuntimeException e) {
            fail("report of " + node.name() + ": " + e);
            return null;
        }
    }

    private void fail(String why) {
        if (measuring) {
            windowErrors.incrementAndGet();
        }
        if (errors.incrementAndGet() <= 5) {
            out.println("swarm: " + why);
        }
    }

    /** A user: every 10 s an array of short "sleep" tasks, so some nodes hold containers that start and end. */
    private void submitLoop() {
        AgentConnection c = new AgentConnection(address);
        int round = 0;
        while (running) {
            try {
                Thread.sleep(JOB_EVERY);
                String body = "{\"name\":\"swarm-" + round++ + "\",\"command\":[\"sleep\",\"" + settings.taskSeconds()
                        + "\"],\"cpu\":0.5,\"memory\":\"256M\",\"array\":\"0-" + (settings.tasksPerRound() - 1) + "\"}";
                AgentConnection.Response r = c.exchange("POST", "/api/v1/jobs", body.getBytes(StandardCharsets.UTF_8), 30_000);
                if (r.status() == 201) {
                    submitted.addAndGet(settings.tasksPerRound());
                } else {
                    fail("submit answered " + r.status() + ": " + new String(r.body(), StandardCharsets.UTF_8));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                fail("submit: " + e);
            }
        }
        c.close();
    }
}
