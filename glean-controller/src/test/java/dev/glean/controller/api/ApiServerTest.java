package dev.glean.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.store.InMemoryStorage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The REST API over real HTTP: good requests, and every kind of bad one gets a 4xx JSON error. */
class ApiServerTest {
    private Controller controller;
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @BeforeEach
    void start() throws Exception {
        controller = new Controller(ControllerSettings.defaults().withPort(0), new InMemoryStorage(), Clock.systemUTC()).start();
        base = "http://127.0.0.1:" + controller.port();
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return WireJson.mapper().readTree(r.body());
    }

    /** The served document describes exactly the routes the server has, and the job object's fields as served. */
    @Test
    void openApiDocumentMatchesTheRoutesServed() throws Exception {
        HttpResponse<String> r = send("GET", "/api/v1/openapi.json", null);
        assertEquals(200, r.statusCode());
        JsonNode doc = json(r);
        assertTrue(doc.path("openapi").asText().startsWith("3."), doc.path("openapi").toString());
        java.util.Set<String> documented = new java.util.TreeSet<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey().replaceAll("\\{[^}]+}", "{}"));
            assertTrue(p.getValue().path(m).path("responses").size() > 0, p.getKey() + " " + m + " has no responses");
        }));
        assertEquals(new java.util.TreeSet<>(controller.routes()), documented);
        // Every field of a served job object is in the schema (the schema may not lag behind the code).
        JsonNode job = json(send("POST", "/api/v1/jobs", "{\"command\":[\"true\"]}"));
        JsonNode props = doc.path("components").path("schemas").path("Job").path("properties");
        job.fieldNames().forEachRemaining(f -> assertTrue(props.has(f), "Job schema lacks " + f));
        JsonNode specProps = doc.path("components").path("schemas").path("JobSpec").path("properties");
        job.path("spec").fieldNames().forEachRemaining(f -> assertTrue(specProps.has(f), "JobSpec schema lacks " + f));
    }

    @Test
    void submitReturnsTheJobObject() throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/jobs",
                "{\"name\":\"x\",\"command\":[\"sh\",\"-c\",\"echo hi\"],\"cpu\":0.5,\"memory\":\"256M\",\"priority\":3,\"tenant\":\"t1\"}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode j = json(r);
        for (String f : new String[] {"id", "name", "tenant", "state", "exitCode", "node", "submittedAt", "startedAt", "finishedAt", "cpu",
                "memoryBytes", "priority", "tasks", "attempts", "events"}) {
            assertTrue(j.has(f), "job object lacks " + f + ": " + j);
        }
        assertTrue(j.get("id").asText().matches("[A-Za-z0-9_.:-]+"));
        assertEquals("QUEUED", j.get("state").asText());
        assertEquals(0.5, j.get("cpu").asDouble());
        assertEquals(256L << 20, j.get("memoryBytes").asLong());
        assertEquals(3, j.get("priority").asInt());
        assertEquals("t1", j.get("tenant").asText());
        assertTrue(j.get("exitCode").isNull());
        JsonNode got = json(send("GET", "/api/v1/jobs/" + j.get("id").asText(), null));
        assertEquals(j.get("submittedAt"), got.get("submittedAt"));
        JsonNode list = json(send("GET", "/api/v1/jobs?state=QUEUED", null));
        assertEquals(1, list.get("jobs").size());
        assertEquals(0, json(send("GET", "/api/v1/jobs?state=RUNNING", null)).get("jobs").size());
        HttpResponse<String> c = send("DELETE", "/api/v1/jobs/" + j.get("id").asText(), null);
        assertEquals(200, c.statusCode());
        assertEquals("CANCELLED", json(c).get("state").asText());
        assertEquals(409, send("DELETE", "/api/v1/jobs/" + j.get("id").asText(), null).statusCode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed JSON|{\"command\":[\"true\"|400|malformed_request",
        "not an object|[1,2]|400|malformed_request",
        "empty command|{\"command\":[]}|400|invalid_argument",
        "command as string|{\"command\":\"echo hi\"}|400|invalid_argument",
        "negative cpu|{\"command\":[\"true\"],\"cpu\":-1}|400|invalid_argument",
        "bad memory unit|{\"command\":[\"true\"],\"memory\":\"5XB\"}|400|invalid_argument",
        "negative memory|{\"command\":[\"true\"],\"memory\":\"-5G\"}|400|invalid_argument",
        "unknown field|{\"command\":[\"true\"],\"cpus\":1}|400|unknown_field",
        "bad array|{\"command\":[\"true\"],\"array\":\"9-1\"}|400|invalid_argument",
        "bad timeout|{\"command\":[\"true\"],\"timeout\":\"soon\"}|400|invalid_argument",
        "volume not allowed|{\"command\":[\"true\"],\"volumes\":[\"/etc:/x\"]}|403|permission_denied",
        "empty body||400|malformed_request"})
    void badSubmissionsAreRefusedWithJson(String what, String body, int status, String code) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/jobs", body == null ? "" : body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).get("error");
        assertEquals(code, e.get("code").asText());
        assertTrue(e.get("message").asText().length() > 5);
        assertEquals(0, json(send("GET", "/api/v1/jobs", null)).get("jobs").size(), "nothing half-written");
    }

    @Test
    void jobListsPage() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(201, send("POST", "/api/v1/jobs", "{\"command\":[\"true\"]}").statusCode());
        }
        JsonNode first = json(send("GET", "/api/v1/jobs?limit=2", null)).get("jobs");
        assertEquals(2, first.size());
        String last = first.get(1).get("id").asText();
        JsonNode next = json(send("GET", "/api/v1/jobs?limit=10&after=" + last, null)).get("jobs");
        assertEquals(3, next.size());
        assertTrue(Integer.parseInt(next.get(0).get("id").asText()) > Integer.parseInt(last));
        assertEquals(400, send("GET", "/api/v1/jobs?limit=0", null).statusCode());
    }

    @Test
    void oversizedBodiesAreRefused() throws Exception {
        String big = "{\"command\":[\"" + "x".repeat(1 << 20) + "\"]}";
        HttpResponse<String> r = send("POST", "/api/v1/jobs", big);
        assertEquals(413, r.statusCode());
        assertEquals("payload_too_large", json(r).get("error").get("code").asText());
    }

    @ParameterizedTest
    @CsvSource({"GET,/api/v1/jobs/999,404", "DELETE,/api/v1/jobs/999,404", "GET,/api/v1/jobs/999/logs,404", "GET,/api/v1/nope,404",
            "PUT,/api/v1/jobs,405", "GET,/api/v1/jobs?state=BOGUS,400", "GET,/api/v1/events?job=999,404",
            "GET,/api/v1/jobs/1?wait=forever,400"})
    void unknownThingsAre4xxJson(String method, String path, int status) throws Exception {
        HttpResponse<String> r = send(method, path, null);
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(json(r).get("error").has("code"));
    }

    @Test
    void healthAndNodesAnswer() throws Exception {
        assertEquals("ok", json(send("GET", "/healthz", null)).get("status").asText());
        assertEquals(0, json(send("GET", "/api/v1/nodes", null)).get("nodes").size());
    }

    /** Every report answered at once or at the end of its hold is counted in the controller's answer histogram. */
    @Test
    void reportAnswersAreCountedInTheLatencyHistogram() throws Exception {
        JsonNode first = json(send("POST", "/api/v1/agent/report", report("n1", java.util.List.of())));
        send("POST", "/api/v1/agent/report?wait=200ms&epoch=" + first.get("epoch").asLong() + "&version=" + first.get("version").asLong(),
                report("n1", java.util.List.of()));
        String text = send("GET", "/metrics", null).body();
        assertTrue(text.contains("# TYPE glean_report_answer_seconds histogram\n"), text);
        assertTrue(text.contains("glean_report_answer_seconds_count 2\n"), text);
        assertTrue(text.contains("glean_report_answer_seconds_bucket{le=\"+Inf\"} 2\n"), text);
        // Both answered within a second of when they were due on an idle test machine.
        assertTrue(text.contains("glean_report_answer_seconds_bucket{le=\"1\"} 2\n"), text);
    }

    /** A node's view shows its newest reading: the incumbents' use is the host's less glean's. */
    @Test
    void aNodeShowsItsNewestReading() throws Exception {
        assertEquals(200, send("POST", "/api/v1/agent/report", report("n1", java.util.List.of())).statusCode());
        JsonNode n = json(send("GET", "/api/v1/nodes", null)).get("nodes").get(0);
        assertEquals("n1", n.get("name").asText(), n.toString());
        JsonNode u = n.get("usage");
        assertEquals(0.2, u.get("hostCpu").asDouble(), 1e-9, n.toString());
        assertEquals(0.2, u.get("incumbentCpu").asDouble(), 1e-9);
        assertEquals(8192L - 512, u.get("memoryAvailableBytes").asLong() >> 20);
        assertEquals(512, u.get("incumbentMemoryBytes").asLong() >> 20);
        assertEquals(0, u.get("containers").asInt());
        assertEquals(0.0, u.get("pressure").get("memorySomeAvg10").asDouble());
    }

    @Test
    void logsOfAJobNotYetStartedAreEmpty() throws Exception {
        String id = json(send("POST", "/api/v1/jobs", "{\"command\":[\"true\"]}")).get("id").asText();
        HttpResponse<String> r = send("GET", "/api/v1/jobs/" + id + "/logs", null);
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        assertEquals(404, send("GET", "/api/v1/jobs/" + id + "/logs?task=5", null).statusCode());
        assertEquals(400, send("GET", "/api/v1/jobs/" + id + "/logs?task=x", null).statusCode());
    }

    @Test
    void agentReportsWithGarbageAreRefused() throws Exception {
        assertEquals(400, send("POST", "/api/v1/agent/report", "{\"protocolVersion\":\"x\"").statusCode());
        assertEquals(400, send("POST", "/api/v1/agent/report", "{\"protocolVersion\":1,\"node\":\"bad name!\"}").statusCode());
    }

    @Test
    void metricsAreThePrometheusTextFormatWithHelpAndType() throws Exception {
        assertEquals(201, send("POST", "/api/v1/jobs", "{\"command\":[\"true\"]}").statusCode());
        var guard = new dev.glean.core.protocol.GuardReport(false, "memory is short", java.util.List.of(
                new dev.glean.core.protocol.GuardEvent(1, java.time.Instant.now(), "cpu-cap-summary", null, "moved", java.util.Map.of(),
                        null, 12),
                new dev.glean.core.protocol.GuardEvent(2, java.time.Instant.now(), "stop-admitting", null, "memory is short",
                        java.util.Map.of("availableMiB", 100.0), null, 1)));
        String report = WireJson.mapper().writeValueAsString(new dev.glean.core.protocol.AgentReport(1, "n1", "i", java.util.Map.of(), null,
                java.util.List.of(), java.util.List.of(), java.time.Instant.now(), guard));
        HttpResponse<String> rr = send("POST", "/api/v1/agent/report", report);
        assertEquals(200, rr.statusCode(), rr.body());
        assertEquals(2, json(rr).get("guardEventsAck").asLong());
        HttpResponse<String> r = send("GET", "/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
        var p = dev.glean.core.testing.PrometheusSamples.parse(r.body());
        assertEquals(1.0, p.value("glean_jobs", "state", "QUEUED").orElseThrow(), r.body());
        assertEquals(0.0, p.value("glean_jobs", "state", "RUNNING").orElseThrow());
        assertEquals(1.0, p.value("glean_tasks", "state", "QUEUED").orElseThrow());
        assertEquals(1.0, p.value("glean_nodes", "status", "READY").orElseThrow());
        assertEquals(0.0, p.value("glean_node_admitting", "node", "n1").orElseThrow());
        assertTrue(p.value("glean_node_lendable_memory_bytes", "node", "n1").isPresent());
        assertEquals(12.0, p.value("glean_guard_actions_total", "node", "n1", "kind", "cpu-cap").orElseThrow());
        assertEquals(1.0, p.value("glean_guard_actions_total", "node", "n1", "kind", "stop-admitting").orElseThrow());
        assertEquals(1.0, p.value("glean_reports_total").orElseThrow());
        assertEquals("counter", p.types.get("glean_placements_total"));
        assertEquals("gauge", p.types.get("glean_jobs"));

        JsonNode node = json(send("GET", "/api/v1/nodes", null)).get("nodes").get(0);
        assertFalse(node.get("admitting").asBoolean());
        assertEquals("memory is short", node.get("admissionReason").asText());
        JsonNode events = json(send("GET", "/api/v1/events?node=n1", null)).get("events");
        assertTrue(events.toString().contains("\"guard-stop-admitting\""), events.toString());
        assertEquals("100", events.get(events.size() - 1).get("data").get("availableMiB").asText());
    }

    private static String report(String node, java.util.List<dev.glean.core.protocol.ContainerReport> containers) throws Exception {
        var total = dev.glean.core.resources.Bytes.ofMiB(8192);
        var sample = new dev.glean.core.node.NodeSample(java.time.Instant.now(), 4, total, total.minus(dev.glean.core.resources.Bytes.ofMiB(512)),
                new dev.glean.core.resources.Millicores(200), dev.glean.core.resources.Millicores.ZERO, dev.glean.core.resources.Bytes.ZERO,
                dev.glean.core.resources.Bytes.ZERO, 0, 0, 0, dev.glean.core.node.Pressure.NONE, dev.glean.core.node.Pressure.NONE,
                dev.glean.core.node.Pressure.NONE, java.util.Map.of());
        return WireJson.mapper().writeValueAsString(new dev.glean.core.protocol.AgentReport(1, node, "i", java.util.Map.of(), sample,
                containers, java.util.List.of(), java.time.Instant.now(), null));
    }

    private java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(String path, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A report that asks to wait is held until its node gets work (then answered with it), or until the wait ends. */
    @Test
    void aReportThatWaitsIsAnsweredWhenItsNodeGetsWork() throws Exception {
        JsonNode first = json(send("POST", "/api/v1/agent/report", report("n1", java.util.List.of())));
        long epoch = first.get("epoch").asLong();
        long version = first.get("version").asLong();
        assertEquals(0, first.get("run").size());
        String waitFor = "/api/v1/agent/report?wait=10s&epoch=" + epoch + "&version=" + version;

        // Nothing new for the node: held for the wait, then the same desired state.
        long t0 = System.nanoTime();
        HttpResponse<String> quiet = send("POST", "/api/v1/agent/report?wait=300ms&epoch=" + epoch + "&version=" + version,
                report("n1", java.util.List.of()));
        long heldMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, quiet.statusCode(), quiet.body());
        assertTrue(heldMs >= 290, "held " + heldMs + " ms");
        assertEquals(version, json(quiet).get("version").asLong());

        var parked = sendAsync(waitFor, report("n1", java.util.List.of()));
        Thread.sleep(300);
        assertFalse(parked.isDone(), "nothing changed yet: the answer is held");
        t0 = System.nanoTime();
        assertEquals(201, send("POST", "/api/v1/jobs", "{\"command\":[\"true\"],\"cpu\":1,\"memory\":\"256M\"}").statusCode());
        HttpResponse<String> news = parked.get(5, java.util.concurrent.TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, news.statusCode(), news.body());
        JsonNode d = json(news);
        assertTrue(d.get("version").asLong() > version, d.toString());
        assertEquals(1, d.get("run").size(), d.toString());
        assertTrue(tookMs < 5_000, "answered " + tookMs + " ms after the submit");

        // An agent behind (an older version, or another term) is answered at once.
        t0 = System.nanoTime();
        assertEquals(200, send("POST", waitFor, report("n1", java.util.List.of())).statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000);
        HttpResponse<String> otherTerm = send("POST", "/api/v1/agent/report?wait=10s&epoch=" + (epoch + 1) + "&version=" + d.get("version").asLong(),
                report("n1", java.util.List.of()));
        assertEquals(d.get("version").asLong(), json(otherTerm).get("version").asLong());
    }

    @ParameterizedTest
    @CsvSource({"wait=1s", "wait=1s&epoch=1", "wait=soon&epoch=1&version=1", "wait=1s&epoch=x&version=1"})
    void aReportWithABadWaitIsRefused(String query) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/agent/report?" + query, report("n1", java.util.List.of()));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(json(r).get("error").get("message").asText().length() > 5, r.body());
    }
}
