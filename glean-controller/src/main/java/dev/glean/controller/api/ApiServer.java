package dev.glean.controller.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.api.CriLog;
import dev.glean.api.JobSpecJson;
import dev.glean.api.PrometheusText;
import dev.glean.api.WireJson;
import dev.glean.controller.ChangeFeed;
import dev.glean.controller.jobs.JobControl;
import dev.glean.controller.jobs.JobService;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.nodes.NodeAdmin;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.AttemptId;
import dev.glean.core.job.DurationText;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The REST API under /api/v1 plus /healthz, on {@link NettyHttpServer}: a virtual thread per request, except for what a
 * route's inline handler answers on the event loop.
 */
public final class ApiServer implements AutoCloseable {
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);
    /** Agent reports carry log chunks: a larger limit than the 1 MiB of user requests. */
    static final int MAX_REPORT_BODY = 8 << 20;
    /**
     * A connection with no request in flight is closed after this long without traffic. Above the JDK client's 30 s
     * keep-alive, so a client normally closes an idle connection first (and never sends on one the server is closing);
     * agents send every second, and a long-poll in flight is never cut off, whatever its length.
     */
    private static final Duration IDLE_CONNECTION = Duration.ofSeconds(60);
    /** How long a streamed answer (logs, events) waits for a client that stopped reading before dropping it. */
    private static final Duration STALLED_READER = Duration.ofSeconds(60);
    private final NettyHttpServer server;
    private final JobService jobs;
    private final AgentService agents;
    private final NodeRegistry registry;
    private final Storage storage;
    private final ChangeFeed feed;
    private final Clock clock;
    private final Millicores defaultCpu;
    private final Bytes defaultMemory;
    private final Supplier<Throwable> loopError;
    private final NodeAdmin admin;
    private final JobControl control;
    private final List<String> routes;
    private final List<PrometheusText.Source> metrics = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ApiServer(String bind, int port, JobService jobs, JobControl control, AgentService agents, NodeRegistry registry,
            NodeAdmin admin, Storage storage, ChangeFeed feed, Clock clock, Millicores defaultCpu, Bytes defaultMemory,
            Supplier<Throwable> loopError) throws IOException {
        metrics.add(reportLatency);
        this.admin = admin;
        this.control = control;
        this.jobs = jobs;
        this.agents = agents;
        this.registry = registry;
        this.storage = storage;
        this.feed = feed;
        this.clock = clock;
        this.defaultCpu = defaultCpu;
        this.defaultMemory = defaultMemory;
        this.loopError = loopError;
        Router r = new Router()
                // Answered on the event loop: health must answer even when every virtual thread is busy.
                .add("GET", "/healthz", ex -> {
                    health(ex);
                    return true;
                }, this::health)
                .add("GET", "/metrics", this::metrics)
                .add("POST", "/api/v1/jobs", this::submit)
                .add("GET", "/api/v1/jobs", this::listJobs)
                .add("GET", "/api/v1/jobs/{}", this::getJob)
                .add("DELETE", "/api/v1/jobs/{}", this::cancel)
                .add("GET", "/api/v1/jobs/{}/logs", this::logs)
                .add("POST", "/api/v1/jobs/{}/hold", this::hold)
                .add("POST", "/api/v1/jobs/{}/release", this::release)
                .add("POST", "/api/v1/jobs/{}/requeue", this::requeue)
                .add("GET", "/api/v1/nodes", this::nodes)
                .add("POST", "/api/v1/nodes/{}/drain", this::drain)
                .add("POST", "/api/v1/nodes/{}/uncordon", this::uncordon)
                .add("GET", "/api/v1/events", this::events)
                .add("POST", dev.glean.core.protocol.Protocol.REPORT_PATH, this::reportInMemory, this::report)
                .add("GET", dev.glean.core.protocol.Protocol.DESIRED_PATH, this::desired)
                .add("GET", "/api/v1/openapi.json", this::openapi);
        this.routes = r.routes();
        this.server = new NettyHttpServer(bind, port, r, ApiServer::bodyLimit, IDLE_CONNECTION, STALLED_READER);
    }

    /** Agent reports carry log chunks; everything else is a user's request. */
    private static int bodyLimit(io.netty.handler.codec.http.HttpRequest request) {
        String uri = request.uri();
        return uri.startsWith(dev.glean.core.protocol.Protocol.REPORT_PATH) ? MAX_REPORT_BODY : Exchange.MAX_BODY;
    }

    public void start() {
        server.start();
    }

    /** "METHOD /path/{}" of every route served; the OpenAPI document must describe exactly these. */
    public List<String> routes() {
        return routes;
    }

    private void openapi(Exchange ex) throws IOException {
        try (var in = ApiServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new GleanException(ErrorCode.INTERNAL, "openapi.json is missing from the jar");
            }
            ex.text(200, "application/json", in.readAllBytes());
        }
    }

    private final ReportLatency reportLatency = new ReportLatency();

    /** Adds families to /metrics (the controller's own; under `glean up` the local agent's too). */
    public void addMetrics(PrometheusText.Source source) {
        metrics.add(source);
    }

    private void metrics(Exchange ex) throws IOException {
        PrometheusText out = new PrometheusText();
        metrics.forEach(m -> m.write(out));
        ex.text(200, PrometheusText.CONTENT_TYPE, out.text().getBytes(StandardCharsets.UTF_8));
    }

    public int port() {
        return server.port();
    }

    private void health(Exchange ex) throws IOException {
        ObjectNode o = WireJson.mapper().createObjectNode();
        Throwable err = loopError.get();
        o.put("status", err == null ? "ok" : "degraded");
        if (err != null) {
            o.put("schedulerError", String.valueOf(err.getMessage()));
        }
        o.put("time", clock.instant().toString());
        ex.json(200, o);
    }

    private void drain(Exchange ex) throws IOException {
        NodeAdmin.Drained d = admin.drain(ex.path(0), "an admin via the API");
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("name", d.node().name());
        o.put("cordoned", d.node().cordoned());
        ArrayNode stopping = o.putArray("stopping");
        d.stopping().forEach(stopping::add);
        ex.json(200, o);
    }

    private void uncordon(Exchange ex) throws IOException {
        Node n = admin.uncordon(ex.path(0), "an admin via the API");
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("name", n.name());
        o.put("cordoned", n.cordoned());
        ex.json(200, o);
    }

    private void submit(Exchange ex) throws IOException {
        JobSpec spec = JobSpecJson.parse(ex.jsonBody(), defaultCpu, defaultMemory);
        Job job = jobs.submit(spec);
        ex.json(201, view(job, true, false));
    }

    private void listJobs(Exchange ex) throws IOException {
        String s = ex.query("state");
        Integer limit = ex.intQuery("limit");
        String after = ex.query("after");
        if (limit != null && limit < 1) {
            throw GleanException.invalid("limit must be at least 1");
        }
        List<Job> list = jobs.page(new dev.glean.core.store.JobFilter(s == null || s.isBlank() ? null : JobState.parse(s),
                after == null || after.isBlank() ? null : after, limit == null ? Integer.MAX_VALUE : limit));
        ObjectNode root = WireJson.mapper().createObjectNode();
        ArrayNode arr = root.putArray("jobs");
        java.util.Set<String> held = storage.read(v -> v.heldJobs());
        for (Job j : list) {
            arr.add(view(j, false, held.contains(j.id())));
        }
        ex.json(200, root);
    }

    private void getJob(Exchange ex) throws Exception {
        String id = ex.path(0);
        String wait = ex.query("wait");
        Job job;
        if (wait != null && !wait.isBlank()) {
            Duration max = DurationText.parse(wait);
            job = jobs.awaitTerminal(id, max.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : max);
        } else {
            job = jobs.get(id);
        }
        ex.json(200, view(job, true));
    }

    private void cancel(Exchange ex) throws IOException {
        Job job = jobs.cancel(ex.path(0), "cancelled by user");
        ex.json(200, view(job, true));
    }

    private ObjectNode view(Job job, boolean withEvents) {
        return view(job, withEvents, storage.read(v -> v.heldJobs()).contains(job.id()));
    }

    private ObjectNode view(Job job, boolean withEvents, boolean held) {
        List<Attempt> attempts = storage.read(v -> v.attempts(job.id()));
        List<Event> events = withEvents ? storage.read(v -> v.events(new EventFilter(0, job.id(), null, 1000))) : null;
        return JobJson.job(job, held, attempts, events);
    }

    private void hold(Exchange ex) throws IOException {
        ex.json(200, view(control.hold(ex.path(0), "a user via the API"), true));
    }

    private void release(Exchange ex) throws IOException {
        ex.json(200, view(control.release(ex.path(0), "a user via the API"), true));
    }

    private void requeue(Exchange ex) throws IOException {
        JobControl.Requeued r = control.requeue(ex.path(0), "a user via the API");
        ObjectNode o = view(r.job(), true);
        ArrayNode stopping = o.putArray("stopping");
        r.stopping().forEach(stopping::add);
        ex.json(200, o);
    }

    private void logs(Exchange ex) throws Exception {
        Job job = jobs.get(ex.path(0));
        Integer taskQ = ex.intQuery("task");
        int index = taskQ != null ? taskQ : job.tasks().get(0).index();
        Task task = job.task(index);
        if (task == null) {
            throw GleanException.notFound("job " + job.id() + " has no task " + index);
        }
        Integer attemptQ = ex.intQuery("attempt");
        int attempt = attemptQ != null ? attemptQ : task.attempts();
        if (attempt < 0 || attempt > task.attempts()) {
            throw GleanException.notFound("task " + index + " of job " + job.id() + " has no attempt " + attempt
                    + " (it has " + task.attempts() + ")");
        }
        String stream = ex.query("stream");
        if (stream != null && !stream.equals("stdout") && !stream.equals("stderr")) {
            throw GleanException.invalid("stream must be stdout or stderr");
        }
        String attemptId = AttemptId.of(job.id(), index, attempt);
        if (!ex.boolQuery("follow")) {
            // Streamed chunk by chunk: a log may hold tens of MiB.
            try (OutputStream os = ex.stream(200, "text/plain; charset=utf-8")) {
                if (attempt > 0) {
                    copyLog(attemptId, 0, stream, os);
                }
            }
            return;
        }
        try (OutputStream os = ex.stream(200, "text/plain; charset=utf-8")) {
            long offset = 0;
            while (true) {
                long seen = feed.version();
                offset = copyLog(attemptId, offset, stream, os);
                os.flush();
                boolean ended = attempt == 0 || storage.read(v -> v.attempt(job.id(), index, attempt))
                        .map(a -> a.state().terminal()).orElse(true);
                if (ended) {
                    // The attempt's record closes before its last log bytes may arrive; one more pass after a report.
                    feed.awaitChange(seen, Duration.ofSeconds(2));
                    copyLog(attemptId, offset, stream, os);
                    return;
                }
                feed.awaitChange(seen, Duration.ofMillis(500));
            }
        }
    }

    /** Writes the plain output of complete records from {@code offset}; returns the offset after them. */
    private long copyLog(String attemptId, long offset, String stream, OutputStream out) throws IOException {
        long pos = offset;
        while (true) {
            final long from = pos;
            byte[] raw = storage.read(v -> v.readLog(attemptId, from, 1 << 20));
            if (raw.length == 0) {
                return pos;
            }
            long[] used = new long[1];
            out.write(CriLog.toText(raw, stream, used));
            if (used[0] == 0) {
                return pos;
            }
            pos += used[0];
        }
    }

    private void nodes(Exchange ex) throws IOException {
        List<Node> nodes = storage.read(v -> v.nodes());
        Map<String, Resources> allocated = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        storage.read(v -> v.tasksInStates(EnumSet.of(JobState.PLACED, JobState.RUNNING, JobState.SUSPENDED))).forEach(t -> {
            if (t.node() != null) {
                Job j = storage.read(v -> v.job(t.jobId())).orElse(null);
                if (j != null) {
                    allocated.merge(t.node(), j.spec().resources(), Resources::plus);
                    count.merge(t.node(), 1, Integer::sum);
                }
            }
        });
        ObjectNode root = WireJson.mapper().createObjectNode();
        ArrayNode arr = root.putArray("nodes");
        java.time.Instant now = clock.instant();
        for (Node n : nodes) {
            ObjectNode o = arr.addObject();
            o.put("name", n.name());
            o.put("status", n.status().name());
            o.put("cordoned", n.cordoned());
            ObjectNode labels = o.putObject("labels");
            new java.util.TreeMap<>(n.labels()).forEach(labels::put);
            o.put("cpus", n.capacity().cpu().cores());
            o.put("memoryBytes", n.capacity().memory().value());
            NodeRegistry.Live live = registry.get(n.name());
            o.put("admitting", live == null || live.admitting());
            if (live != null && !live.admitting()) {
                JobJson.putNullable(o, "admissionReason", live.admissionReason());
            }
            JobJson.time(o, "lastReportAt", live != null && live.lastReportAt() != null ? live.lastReportAt() : n.lastSeenAt());
            JobJson.time(o, "registeredAt", n.registeredAt());
            Resources a = allocated.getOrDefault(n.name(), Resources.ZERO);
            o.put("tasks", count.getOrDefault(n.name(), 0));
            ObjectNode al = o.putObject("allocated");
            al.put("cpu", a.cpu().cores());
            al.put("memoryBytes", a.memory().value());
            CapacityEstimate e = registry.estimate(n.name(), n.labels(), now);
            ObjectNode es = o.putObject("lendable");
            es.put("cpu", e.lendableCpu().cores());
            es.put("memoryBytes", e.lendableMemory().value());
            es.put("stale", e.stale());
            es.put("basis", e.basis());
            ObjectNode parts = es.putObject("parts");
            parts.put("capacityCpu", e.capacity().cpu().cores());
            parts.put("incumbentCpuPeak", e.incumbentCpuPeak().cores());
            parts.put("incumbentCpuNow", e.cpu().current() / 1000.0);
            parts.put("incumbentCpuRecent", e.cpu().recent() / 1000.0);
            e.cpu().daily().ifPresent(d -> parts.put("incumbentCpuDaily", d / 1000.0));
            parts.put("cpuHeadroom", e.cpuHeadroom().cores());
            parts.put("cpuPolicyCap", e.cpuPolicyCap().cores());
            parts.put("capacityMemoryBytes", e.capacity().memory().value());
            parts.put("incumbentMemoryPeakBytes", e.incumbentMemoryPeak().value());
            parts.put("incumbentMemoryNowBytes", e.memory().current());
            parts.put("incumbentMemoryRecentBytes", e.memory().recent());
            e.memory().daily().ifPresent(d -> parts.put("incumbentMemoryDailyBytes", d));
            parts.put("memoryReserveBytes", e.memoryReserve().value());
            parts.put("memoryPolicyCapBytes", e.memoryPolicyCap().value());
            parts.put("confidence", e.confidence());
            if (e.lendsUntil() != null) {
                JobJson.time(parts, "lendsUntil", e.lendsUntil());
            }
            dev.glean.controller.nodes.LatestReading.Usage s = live == null ? null : live.usage();
            if (s != null) {
                ObjectNode u = o.putObject("usage");
                JobJson.time(u, "at", s.at());
                u.put("hostCpu", s.hostCpu().cores());
                u.put("incumbentCpu", s.incumbentCpu().cores());
                u.put("secondaryCpu", s.secondaryCpu().cores());
                u.put("memoryAvailableBytes", s.memoryAvailable().value());
                u.put("incumbentMemoryBytes", s.incumbentMemory().value());
                u.put("secondaryMemoryBytes", s.secondaryMemory().value());
                u.put("secondaryPageCacheBytes", s.secondaryPageCache().value());
                u.put("hostBusySeconds", s.hostBusySeconds());
                u.put("hostIdleSeconds", s.hostIdleSeconds());
                u.put("secondaryCpuSeconds", s.secondaryCpuSeconds());
                u.put("incumbentCpuSeconds", s.incumbentCpuSeconds());
                ObjectNode p = u.putObject("pressure");
                p.put("cpuSomeAvg10", s.cpuSomeAvg10());
                p.put("memorySomeAvg10", s.memorySomeAvg10());
                p.put("memoryFullAvg10", s.memoryFullAvg10());
                p.put("ioSomeAvg10", s.ioSomeAvg10());
                u.put("containers", s.containers());
            }
        }
        ex.json(200, root);
    }

    private void events(Exchange ex) throws Exception {
        String job = ex.query("job");
        String node = ex.query("node");
        Integer after = ex.intQuery("after");
        Integer limit = ex.intQuery("limit");
        String accept = ex.header("Accept");
        boolean sse = (accept != null && accept.contains("text/event-stream")) || ex.boolQuery("follow");
        if (job != null && storage.read(v -> v.job(job)).isEmpty()) {
            throw GleanException.notFound("no job '" + job + "'");
        }
        long from = after == null ? 0 : after;
        if (!sse) {
            int max = limit == null ? 10_000 : Math.max(1, Math.min(limit, 100_000));
            List<Event> list = storage.read(v -> v.events(new EventFilter(from, job, node, max)));
            ObjectNode root = WireJson.mapper().createObjectNode();
            ArrayNode arr = root.putArray("events");
            list.forEach(e -> arr.add(JobJson.event(e)));
            ex.json(200, root);
            return;
        }
        try (OutputStream os = ex.stream(200, "text/event-stream")) {
            long pos = from;
            while (true) {
                long seen = feed.version();
                final long p = pos;
                List<Event> list = storage.read(v -> v.events(new EventFilter(p, job, node, 1000)));
                for (Event e : list) {
                    String line = "id: " + e.seq() + "\nevent: " + e.type() + "\ndata: "
                            + WireJson.mapper().writeValueAsString(JobJson.event(e)) + "\n\n";
                    os.write(line.getBytes(StandardCharsets.UTF_8));
                    pos = e.seq();
                }
                if (list.isEmpty()) {
                    os.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                }
                os.flush();
                if (list.size() < 1000) {
                    feed.awaitChange(seen, Duration.ofSeconds(15));
                }
            }
        }
    }

    /**
     * On the event loop: a report that changes nothing is answered from its node's snapshot, without the hop to a
     * virtual thread and back (most reports); anything else is declined and goes to {@link #report}.
     */
    private boolean reportInMemory(Exchange ex) throws IOException {
        ReportWait w = ReportWait.of(ex, agents.maxReportWait());
        AgentReport r = ex.jsonBody(AgentReport.class, MAX_REPORT_BODY);
        var d = agents.reportInMemory(r);
        if (d == null) {
            return false;
        }
        answerReport(ex, w, d);
        return true;
    }

    private void report(Exchange ex) throws IOException {
        ReportWait w = ReportWait.of(ex, agents.maxReportWait());
        AgentReport r = ex.jsonBody(AgentReport.class, MAX_REPORT_BODY);
        answerReport(ex, w, agents.report(r));
    }

    /**
     * What a report asks to wait for: {@code ?wait=DURATION&epoch=E&version=V} — hold the answer until the node's
     * desired state moves past the agent's {@code version} of controller term {@code epoch}, or {@code wait} passes.
     * One connection per agent then serves both its reports and the news of new work (no separate long-poll).
     */
    record ReportWait(Duration hold, long epoch, long version) {
        static ReportWait of(Exchange ex, Duration max) {
            String wait = ex.query("wait");
            if (wait == null) {
                return null;
            }
            Duration w = DurationText.parse(wait);
            String e = ex.query("epoch");
            String v = ex.query("version");
            if (e == null || v == null) {
                throw GleanException.invalid("a report with wait needs the epoch and version of the desired state the agent holds");
            }
            try {
                return w.isZero() || w.isNegative() ? null : new ReportWait(w.compareTo(max) > 0 ? max : w, Long.parseLong(e), Long.parseLong(v));
            } catch (NumberFormatException bad) {
                throw GleanException.invalid("epoch and version must be numbers");
            }
        }
    }

    /**
     * Answers at once when the answer holds news for the agent (another term, a newer version) or it did not ask to
     * wait; else parks it: no thread waits, the node's change feed or a timer on the connection's event loop ends it.
     * On a change the answer is computed again (the new work) with this report's acknowledgements.
     */
    private void answerReport(Exchange ex, ReportWait w, dev.glean.core.protocol.DesiredState d) throws IOException {
        if (w == null || d.epoch() != w.epoch() || d.version() != w.version()) {
            ex.json(200, d);
            if (w == null) {
                reportLatency.record(System.nanoTime() - ex.receivedNanos());
            }
            return;
        }
        ParkedReport.park(ex, d, w.hold(), agents, feed, reportLatency);
    }

    private void desired(Exchange ex) throws Exception {
        String node = ex.query("node");
        Integer seen = null;
        String v = ex.query("version");
        long version = 0;
        if (v != null) {
            try {
                version = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw GleanException.invalid("version must be a number");
            }
        }
        long epoch = -1;
        String e = ex.query("epoch");
        if (e != null) {
            try {
                epoch = Long.parseLong(e);
            } catch (NumberFormatException bad) {
                throw GleanException.invalid("epoch must be a number");
            }
        }
        String wait = ex.query("wait");
        Duration w = wait == null ? Duration.ZERO : DurationText.parse(wait);
        ex.json(200, agents.awaitDesired(node, epoch, version, w.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : w));
    }

    @Override
    public void close() {
        server.close();
    }

    static GleanException unavailable(String m) {
        return new GleanException(ErrorCode.UNAVAILABLE, m);
    }
}
