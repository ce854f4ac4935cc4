package dev.glean.core.schedule;

/** Run the task on {@code node} now. */
public record Placement(String jobId, int index, String node) implements Outcome {}
