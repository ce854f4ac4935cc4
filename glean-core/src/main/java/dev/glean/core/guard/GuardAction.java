package dev.glean.core.guard;

import dev.glean.core.resources.Bytes;
import java.util.Map;

/**
 * What the node guard does to protect the incumbents. Every action carries why ({@link #reason()}, one line for
 * people) and the readings that made it ({@link #readings()}): each one becomes an event.
 */
public sealed interface GuardAction {
    String reason();

    Map<String, Double> readings();

    /** Caps the CPU of all secondaries together (glean's parent cgroup). */
    record SetCpuQuota(CpuCap cap, String reason, Map<String, Double> readings) implements GuardAction {
        public SetCpuQuota {
            readings = Readout.freeze(readings);
        }
    }

    /** Caps the secondaries' io on one block device ("major:minor"). */
    record ThrottleIo(String device, IoLimit limit, String reason, Map<String, Double> readings) implements GuardAction {
        public ThrottleIo {
            readings = Readout.freeze(readings);
        }
    }

    /** Removes the secondaries' io caps on one block device. */
    record UnthrottleIo(String device, String reason, Map<String, Double> readings) implements GuardAction {
        public UnthrottleIo {
            readings = Readout.freeze(readings);
        }
    }

    /**
     * Sets a container's memory limit below its own, so the kernel reclaims that container's page cache before
     * the incumbents' (or raises it again, still below its own, as the container's non-cache memory grows).
     */
    record ReclaimMemory(String containerId, Bytes limit, String reason, Map<String, Double> readings)
            implements GuardAction {
        public ReclaimMemory {
            readings = Readout.freeze(readings);
        }
    }

    /** Gives a container back the memory limit it was started with. */
    record RestoreMemory(String containerId, Bytes limit, String reason, Map<String, Double> readings)
            implements GuardAction {
        public RestoreMemory {
            readings = Readout.freeze(readings);
        }
    }

    /** Stops a container to give its memory or tasks back; the controller requeues it without spending a retry. */
    record Evict(String containerId, String reason, Map<String, Double> readings) implements GuardAction {
        public Evict {
            readings = Readout.freeze(readings);
        }
    }

    /** The node takes no new secondaries until {@link ResumeAdmitting}. */
    record StopAdmitting(String reason, Map<String, Double> readings) implements GuardAction {
        public StopAdmitting {
            readings = Readout.freeze(readings);
        }
    }

    record ResumeAdmitting(String reason, Map<String, Double> readings) implements GuardAction {
        public ResumeAdmitting {
            readings = Readout.freeze(readings);
        }
    }
}
