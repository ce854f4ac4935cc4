package dev.glean.core.schedule;

public record Placement(String jobId, int index, String node) {}
