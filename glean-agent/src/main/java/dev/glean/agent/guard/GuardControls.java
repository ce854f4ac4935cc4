package dev.glean.agent.guard;

import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.IoLimit;
import dev.glean.core.resources.Bytes;
import java.util.Collection;

/**
 * The knobs the guard turns. {@link CgroupControls} writes cgroup files; tests use a fake. Failures are
 * {@link dev.glean.core.error.GleanException}s (RUNTIME_ERROR) naming the file and the kernel's reason.
 */
public interface GuardControls {
    /** The CFS quota of all secondaries together (glean's parent). */
    void setCpuCap(CpuCap cap);

    /**
     * All secondaries together may do at most {@code limit} on {@code device} ("major:minor").
     *
     * @param containers the live containers: cgroup v1 throttles do not act on a parent's children (measured
     *     here), so on v1 each container gets its share
     */
    void throttleIo(String device, IoLimit limit, Collection<String> containers);

    void unthrottleIo(String device, Collection<String> containers);

    /** A container's hard memory limit. */
    void setMemoryLimit(String containerId, Bytes limit);

    /** Told the live containers at every reading, so throttles reach containers that started since they were set. */
    default void containers(Collection<String> live) {}
}
