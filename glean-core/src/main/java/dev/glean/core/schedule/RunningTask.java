package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.time.Instant;

/** A secondary placed on a node: counts towards its tenant's share and may be preempted by higher priorities. */
public record RunningTask(String jobId, int index, String tenant, Resources request, int priority, Instant startedAt) {}
