package dev.glean.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.protocol.GuardReport;
import dev.glean.core.protocol.Launch;
import dev.glean.core.protocol.LogChunk;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerPhase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent protocol survives a trip through the wire format, and its units are plain numbers on the wire. */
class WireJsonTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00.123Z");

    @Test
    void agentReportRoundTrips() throws Exception {
        NodeSample s = new NodeSample(T, 2, Bytes.ofMiB(4096), Bytes.ofMiB(1000), new Millicores(1500), new Millicores(300),
                Bytes.ofMiB(200), Bytes.ofMiB(10), 12.5, 100.25, 3.5, new Pressure(1.5, 0.5, 10, 5), Pressure.NONE, Pressure.NONE,
                Map.of("g-1-0-1", new ContainerUsage(new Millicores(250), Bytes.ofMiB(20), Bytes.ZERO, 1.25)));
        AgentReport r = new AgentReport(1, "n1", "i", Map.of("zone", "a"), s,
                List.of(new ContainerReport("g-1-0-1", ContainerPhase.EXITED, 3, T, T.plusSeconds(1), 42, null)),
                List.of(new LogChunk("g-1-0-1", 0, "x\ny".getBytes(StandardCharsets.UTF_8))), T);
        byte[] json = WireJson.mapper().writeValueAsBytes(r);
        AgentReport back = WireJson.mapper().readValue(json, AgentReport.class);
        assertEquals(r.sample(), back.sample());
        assertEquals(r.containers(), back.containers());
        assertArrayEquals(r.logs().get(0).data(), back.logs().get(0).data());
        JsonNode tree = WireJson.mapper().readTree(json);
        assertEquals(1500, tree.get("sample").get("hostCpu").asLong());
        assertEquals(4096L << 20, tree.get("sample").get("memoryTotal").asLong());
        assertEquals("2026-11-27T10:00:00.123Z", tree.get("sentAt").asText());
    }

    @Test
    void desiredStateRoundTripsAndUnknownFieldsAreIgnored() throws Exception {
        Launch l = new Launch("g-1-0-1", "1", 0, 1, List.of("sh", "-c", "echo"), Map.of("A", "b"), new Millicores(500), Bytes.ofMiB(64),
                "host", List.of(VolumeMount.parse("/data:/data:ro")), Duration.ofMinutes(5));
        DesiredState d = new DesiredState(1, "n1", 7, 99, 15000, List.of(l), List.of("g-0-0-1"), Map.of("g-1-0-1", 10L), Bytes.ofMiB(1024));
        String json = WireJson.mapper().writeValueAsString(d);
        assertTrue(json.contains("\"/data:/data:ro\""), json);
        assertTrue(json.contains("\"timeout\":300000"), json);
        DesiredState back = WireJson.mapper().readValue(json.replace("{\"protocolVersion\"", "{\"future\":1,\"protocolVersion\""),
                DesiredState.class);
        assertEquals(d, back);
    }

    @Test
    void guardPartsRoundTripAndOldPeersMessagesStillRead() throws Exception {
        GuardReport g = new GuardReport(false, "memory is short", List.of(new GuardEvent(3, T, "evict", "g-1-0-1", "why",
                Map.of("availableMiB", 812.5), null, 1)));
        AgentReport r = new AgentReport(1, "n1", "i", Map.of(), null, List.of(), List.of(), T, g);
        AgentReport back = WireJson.mapper().readValue(WireJson.mapper().writeValueAsBytes(r), AgentReport.class);
        assertEquals(g, back.guard());
        // An agent from before guard events sends no guard part: it admits.
        AgentReport old = WireJson.mapper().readValue("{\"protocolVersion\":1,\"node\":\"n1\",\"instance\":\"i\"}", AgentReport.class);
        assertEquals(GuardReport.NONE, old.guardOrNone());

        Launch l = new Launch("g-1-0-1", "1", 0, 1, List.of("true"), Map.of(), new Millicores(500), Bytes.ofMiB(64), "host", List.of(),
                null, -5);
        DesiredState d = new DesiredState(1, "n1", 7, 99, 15000, List.of(l), List.of(), Map.of(), Bytes.ofMiB(1024), 3);
        String json = WireJson.mapper().writeValueAsString(d);
        assertTrue(json.contains("\"guardEventsAck\":3") && json.contains("\"priority\":-5"), json);
        assertEquals(d, WireJson.mapper().readValue(json, DesiredState.class));
        DesiredState fromOld = WireJson.mapper().readValue(json.replace(",\"guardEventsAck\":3", "").replace(",\"priority\":-5", ""),
                DesiredState.class);
        assertEquals(0, fromOld.guardEventsAck());
        assertEquals(0, fromOld.run().get(0).priority());
    }
}
