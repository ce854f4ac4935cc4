package dev.glean.core.forecast;

import dev.glean.core.resources.Resources;
import java.time.Instant;

/**
 * The incumbents' forecast use of a node over the horizon, as of {@code at} (the newest reading). {@code confidence}
 * grows from 0 to 1 over the first day of history: the share of a daily cycle the forecast has seen.
 */
public record IncumbentForecast(Instant at, Resources capacity, UseForecast cpu, UseForecast memory, double confidence) {}
