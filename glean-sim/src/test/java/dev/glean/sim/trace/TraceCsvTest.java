package dev.glean.sim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TraceCsvTest {
    private static List<NodeTrace> parse(String text) throws Exception {
        return TraceCsv.read(new StringReader(text), "t.csv", 60);
    }

    @Test
    void readsTheAlibabaLayoutIntoSteps() throws Exception {
        // A hand-made sample in the layout of the public file (not rows copied from it): unsorted, empty fields.
        Path sample = Path.of(getClass().getResource("/alibaba-machine-usage-sample.csv").toURI());
        List<NodeTrace> t = TraceCsv.read(sample, 60);
        assertEquals(List.of("m_1932", "m_2038"), t.stream().map(NodeTrace::name).toList());
        NodeTrace a = t.get(0);
        assertEquals(TraceCsv.ALIBABA_CPUS, a.cpus());
        assertEquals((long) TraceCsv.ALIBABA_MEMORY_GIB << 30, a.memoryBytes());
        // From the earliest time (386640), 60 s steps: 640 and 650 -> step 0, 700 -> 1, 760 -> 2, 830 -> 3.
        assertEquals(4, a.steps());
        assertEquals(0.42, a.cpu()[0], 1e-6, "CPU is the mean of a step's readings");
        assertEquals(0.92, a.memory()[0], 1e-6);
        assertEquals(0.37, a.cpu()[1], 1e-6);
        assertEquals(0.60, a.cpu()[2], 1e-6);
        assertEquals(0.93, a.memory()[2], 1e-6, "an empty memory field is no reading: the previous step's value holds");
        assertEquals(0.95, a.memory()[3], 1e-6);
        NodeTrace b = t.get(1);
        assertEquals(0.12, b.cpu()[0], 1e-6, "the empty CPU of 386660 is not a zero");
        assertEquals(0.51, b.memory()[0], 1e-6);
        assertEquals(0.20, b.cpu()[1], 1e-6);
    }

    @Test
    void readsTheGleanLayout() throws Exception {
        List<NodeTrace> t = parse(TraceCsv.HEADER + "\nweb1,0,16,64,25,40\nweb1,60,16,64,50,45\n\nidle1,0,8,32,2,10\n");
        assertEquals(List.of("idle1", "web1"), t.stream().map(NodeTrace::name).toList());
        NodeTrace web = t.get(1);
        assertEquals(16, web.cpus());
        assertEquals(64L << 30, web.memoryBytes());
        assertEquals(2, web.steps());
        assertEquals(4000, web.cpuMillis(0));
        assertEquals(8000, web.cpuMillis(1));
        assertEquals(4000, web.cpuMillis(2), "a trace shorter than the run repeats");
        assertEquals(0.1, t.get(0).memory()[1], 1e-6, "a node without a reading in a step keeps its last");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node,time,cpus,memory_gib,cpu_percent,memory_percent\\nweb1,0,16,64,25,40\\nweb1,60,16,64,250,45 | line 3: cpu_percent must be 0-100",
        "node,time,cpus,memory_gib,cpu_percent,memory_percent\\nweb1,zero,16,64,25,40 | line 2: time is not a whole number",
        "node,time,cpus,memory_gib,cpu_percent,memory_percent\\nweb1,0,16,64,25 | line 2: expected 6 fields",
        "node,time,cpus,memory_gib,cpu_percent,memory_percent\\nweb1,0,16,64,25,40\\nweb1,60,8,64,25,40 | line 3: node web1 changed its capacity",
        "m_1,10,5,5,,,1,1,1\\nm_1,20,5,5,1 | line 2: expected 9 fields",
        "m_1,10,5,5,,,1,1,1\\nm_1,-20,5,5,,,1,1,1 | line 2: time_stamp must not be negative",
        "hello world | line 1: neither the header",
    })
    void badRowsAreRefusedWithTheirLine(String text, String message) {
        GleanException e = assertThrows(GleanException.class, () -> parse(text.replace("\\n", "\n")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("trace t.csv " + message.substring(0, message.indexOf(':'))), e.getMessage());
        assertTrue(e.getMessage().contains(message.substring(message.indexOf(':') + 2)), e.getMessage());
    }

    @Test
    void aMissingFileIsAUsageError() {
        GleanException e = assertThrows(GleanException.class, () -> TraceCsv.read(Path.of("/nonexistent/t.csv"), 60));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
