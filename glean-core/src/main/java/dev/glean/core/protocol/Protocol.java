package dev.glean.core.protocol;

/** Version of the agent <-> controller messages. A peer refuses a major version it does not know. */
public final class Protocol {
    public static final int VERSION = 1;
    public static final String REPORT_PATH = "/api/v1/agent/report";
    public static final String DESIRED_PATH = "/api/v1/agent/desired";

    private Protocol() {}
}
