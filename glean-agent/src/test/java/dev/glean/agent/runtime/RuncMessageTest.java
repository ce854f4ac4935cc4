package dev.glean.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RuncMessageTest {
    @Test
    void logrusLineFromConmonsSyncPipe() {
        // the "message" conmon sends when runc create fails, as measured with runc 1.1.5
        String raw = "time=\"2026-11-27T11:55:36Z\" level=error msg=\"runc create failed: unable to start container "
                + "process: exec: \\\"nonexistent-cmd\\\": executable file not found in $PATH\"\n";
        assertEquals("runc create failed: unable to start container process: exec: \"nonexistent-cmd\": executable "
                + "file not found in $PATH", RuncMessage.oneLine(raw));
    }

    @Test
    void jsonLogLinesAndPlainTextAreJoinedOnOneLine() {
        assertEquals("container not running; second",
                RuncMessage.oneLine("{\"level\":\"error\",\"msg\":\"container not running\",\"time\":\"x\"}\nsecond\n"));
        assertEquals("no message", RuncMessage.oneLine("  \n"));
        String longText = "x".repeat(1000);
        assertTrue(RuncMessage.oneLine(longText).length() < 500);
    }
}
