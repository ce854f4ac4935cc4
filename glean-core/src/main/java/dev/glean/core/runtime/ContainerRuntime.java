package dev.glean.core.runtime;

import java.time.Duration;
import java.util.List;

/**
 * The port to whatever runs secondary containers on a node. Containers outlive the process that started
 * them: a new instance of the runtime over the same state directory finds them again through {@link #list()}.
 * Errors are {@link dev.glean.core.error.GleanException}s with code RUNTIME_ERROR or HOST_UNSUPPORTED.
 */
public interface ContainerRuntime {
    /** Creates the parent of all secondaries if needed and (re)applies its limits. Idempotent. */
    void configureParent(ParentLimits limits);

    /** Starts a container; returns once it runs (or has already ended). */
    ContainerInfo start(ContainerSpec spec);

    /** Every container this runtime holds, live or ended and not yet removed. */
    List<ContainerInfo> list();

    /** TERM to every process of the container, then KILL after {@code grace}. Blocks until it has ended. */
    void stop(String id, Duration grace);

    /** Deletes an ended container: its runtime state, cgroups (leaf and emptied parents), bundle and logs. */
    void remove(String id);

    /**
     * Up to {@code max} bytes of the container's log from {@code offset}, in the CRI log format
     * ("TIMESTAMP STREAM P|F TEXT" lines). Empty at the end.
     */
    byte[] readLog(String id, long offset, int max);

    /** Bytes in the container's log so far (0 if it has none yet). Asked for every container on every report. */
    long logSize(String id);
}
