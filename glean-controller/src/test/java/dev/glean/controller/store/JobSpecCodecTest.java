package dev.glean.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.IndexRange;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecCodecTest {
    private static final JobSpec FULL = JobSpec.validated("sim", List.of("/usr/bin/sim", "--seed", "{index}"),
            Millicores.parse("1.5"), Bytes.parse("1G"), -20, "physics", Map.of("A", "1", "B", "two words"),
            Map.of("zone", "eu-1"), IndexRange.parse("10-19"),
            List.of(VolumeMount.parse("/data:/in:ro"), VolumeMount.parse("/out:/out")), "host", null, 4,
            Duration.ofSeconds(5400));

    @Test
    void roundTrips() {
        assertEquals(FULL, JobSpecCodec.decode(JobSpecCodec.encode(FULL)));
        JobSpec min = JobSpec.validated(null, List.of("true"), Millicores.ofCores(0.001), Bytes.ofMiB(4), null, null, null,
                null, null, null, null, null, null, null);
        assertEquals(min, JobSpecCodec.decode(JobSpecCodec.encode(min)));
    }

    @Test
    void writesTheDocumentedFields() throws Exception {
        JsonNode o = new ObjectMapper().readTree(JobSpecCodec.encode(FULL));
        assertEquals(1, o.get("v").intValue());
        assertEquals(1500, o.get("cpuMillicores").longValue());
        assertEquals(1L << 30, o.get("memoryBytes").longValue());
        assertEquals("10-19", o.get("array").textValue());
        assertEquals("/data:/in:ro", o.get("volumes").get(0).textValue());
        assertEquals("/out:/out", o.get("volumes").get(1).textValue());
        assertEquals(5_400_000, o.get("timeoutMillis").longValue());
        assertEquals("two words", o.get("env").get("B").textValue());
        assertTrue(!o.has("checkpointDir"));
    }

    @Test
    void unreadableTextIsAStorageError() {
        for (String bad : List.of("", "[]", "{\"v\":1}", "{\"v\":99,\"name\":\"x\"}", "not json",
                JobSpecCodec.encode(FULL).replace("\"cpuMillicores\":1500", "\"cpuMillicores\":\"1500\""))) {
            GleanException e = assertThrows(GleanException.class, () -> JobSpecCodec.decode(bad), bad);
            assertEquals(ErrorCode.STORAGE_ERROR, e.code(), bad);
        }
    }

    @Test
    void mapsRoundTrip() {
        Map<String, String> m = Map.of("b", "2", "a", "1", "quote\"d", "x\ny");
        assertEquals(m, JobSpecCodec.decodeMap(JobSpecCodec.encodeMap(m)));
        assertEquals("{\"a\":\"1\",\"b\":\"2\"}", JobSpecCodec.encodeMap(Map.of("b", "2", "a", "1")));
        assertEquals(Map.of(), JobSpecCodec.decodeMap(JobSpecCodec.encodeMap(Map.of())));
    }

    /** Node labels decode to one shared immutable map per distinct text: each node read would otherwise make one. */
    @Test
    void labelsDecodeToOneSharedMapPerText() {
        String text = JobSpecCodec.encodeMap(java.util.Map.of("zone", "a", "rack", "7"));
        java.util.Map<String, String> a = JobSpecCodec.decodeLabels(text);
        assertEquals(java.util.Map.of("zone", "a", "rack", "7"), a);
        org.junit.jupiter.api.Assertions.assertSame(a, JobSpecCodec.decodeLabels(new String(text)));
        assertThrows(UnsupportedOperationException.class, () -> a.put("x", "y"));
        assertEquals(java.util.Map.of(), JobSpecCodec.decodeLabels("{}"));
        assertThrows(GleanException.class, () -> JobSpecCodec.decodeLabels("{\"zone\": 3}"));
    }
}
