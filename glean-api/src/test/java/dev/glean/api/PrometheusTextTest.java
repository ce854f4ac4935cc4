package dev.glean.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.testing.PrometheusSamples;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void familiesHaveHelpAndTypeAndLabelValuesAreEscaped() {
        PrometheusText t = new PrometheusText()
                .family("glean_test_total", PrometheusText.Type.COUNTER, "counts things \\ over\ntwo lines")
                .sample(3, "node", "a\"b\\c\nd", "kind", "evict")
                .sample(0.25, "node", "plain", "kind", "x")
                .family("glean_test_gauge", PrometheusText.Type.GAUGE, "a gauge")
                .sample(Double.POSITIVE_INFINITY)
                .family("glean_test_nan", PrometheusText.Type.GAUGE, "not a number")
                .sample(Double.NaN);
        String text = t.text();
        assertTrue(text.contains("glean_test_total{node=\"a\\\"b\\\\c\\nd\",kind=\"evict\"} 3\n"), text);
        assertEquals(6 + 4, text.split("\n").length, "one line per HELP, TYPE and sample, no raw line feed inside: " + text);
        PrometheusSamples p = PrometheusSamples.parse(text);
        assertEquals("counter", p.types.get("glean_test_total"));
        assertEquals("counts things \\ over\ntwo lines", p.help.get("glean_test_total"));
        assertEquals(3.0, p.value("glean_test_total", "node", "a\"b\\c\nd").orElseThrow());
        assertEquals(0.25, p.value("glean_test_total", "node", "plain").orElseThrow());
        assertEquals(Double.POSITIVE_INFINITY, p.value("glean_test_gauge").orElseThrow());
        assertTrue(p.value("glean_test_nan").orElseThrow().isNaN());
    }

    @Test
    void badNamesAndRepeatedFamiliesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().family("glean-bad", PrometheusText.Type.GAUGE, "x"));
        PrometheusText t = new PrometheusText().family("glean_x", PrometheusText.Type.GAUGE, "x");
        assertThrows(IllegalArgumentException.class, () -> t.sample(1, "bad-label", "v"));
        assertThrows(IllegalArgumentException.class, () -> t.sample(1, "odd"));
        assertThrows(IllegalStateException.class, () -> t.family("glean_x", PrometheusText.Type.GAUGE, "again"));
        assertThrows(IllegalStateException.class, () -> new PrometheusText().sample(1));
    }

    /** Buckets are cumulative, end with +Inf, and _count is the total, as the exposition format asks. */
    @Test
    void histogramsHaveCumulativeBucketsSumAndCount() {
        String text = new PrometheusText().family("glean_test_seconds", PrometheusText.Type.HISTOGRAM, "how long")
                .histogram(new double[] {0.001, 0.5}, new long[] {2, 3, 1}, 1.75).text();
        assertEquals("""
                # HELP glean_test_seconds how long
                # TYPE glean_test_seconds histogram
                glean_test_seconds_bucket{le="0.001"} 2
                glean_test_seconds_bucket{le="0.5"} 5
                glean_test_seconds_bucket{le="+Inf"} 6
                glean_test_seconds_sum 1.75
                glean_test_seconds_count 6
                """, text);
        assertThrows(IllegalArgumentException.class,
                () -> new PrometheusText().family("glean_h", PrometheusText.Type.HISTOGRAM, "x").histogram(new double[] {1}, new long[] {1}, 0));
    }
}
