package dev.glean.core.node;

/** One PSI line pair: the avg10 percentages and the cumulative stall totals in microseconds. */
public record Pressure(double someAvg10, double fullAvg10, long someTotalMicros, long fullTotalMicros) {
    public static final Pressure NONE = new Pressure(0, 0, 0, 0);
}
