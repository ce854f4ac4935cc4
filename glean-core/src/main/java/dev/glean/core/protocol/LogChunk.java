package dev.glean.core.protocol;

/** Bytes of an attempt's log (CRI format) from {@code offset}; the controller keeps it only if it has exactly offset bytes. */
public record LogChunk(String attemptId, long offset, byte[] data) {}
