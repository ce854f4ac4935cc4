package dev.glean.core.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    @ParameterizedTest
    @CsvSource({"256M,268435456", "1G,1073741824", "1.5G,1610612736", "512Mi,536870912", "1024,1024", "4k,4096", "2GB,2147483648",
            "1 G,1073741824", "0,0"})
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, Bytes.parse(text).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"5XB", "-1G", "", " ", "G", "1.2.3M", "12i", "abc", "99999999999P"})
    void rejectsBadSizesWithInvalidArgument(String text) {
        GleanException e = assertThrows(GleanException.class, () -> Bytes.parse(text));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    @ParameterizedTest
    @CsvSource({"0.5,500", "2,2000", "500m,500", "0.001,1", "1.0005,1001"})
    void parsesCpu(String text, long millis) {
        assertEquals(millis, Millicores.parse(text).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "x", "", "1e400", "-5m", "2000000"})
    void rejectsBadCpu(String text) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(GleanException.class, () -> Millicores.parse(text)).code());
    }

    @ParameterizedTest
    @CsvSource({"268435456,256M", "1610612736,1536M", "1610612737,1.5G", "1000,1000", "1073741824,1G", "25275387904,23.5G"})
    void printsHumanSizes(long bytes, String text) {
        assertEquals(text, new Bytes(bytes).human());
    }

    @org.junit.jupiter.api.Test
    void arithmeticSaturatesAtZero() {
        assertEquals(0, Resources.of(100, 100).minus(Resources.of(200, 50)).cpu().value());
        assertEquals(50, Resources.of(100, 100).minus(Resources.of(200, 50)).memory().value());
    }
}
