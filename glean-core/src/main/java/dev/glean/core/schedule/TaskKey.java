package dev.glean.core.schedule;

/** One task of one job. */
public record TaskKey(String jobId, int index) {}
