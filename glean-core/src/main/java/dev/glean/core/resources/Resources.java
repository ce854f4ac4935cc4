package dev.glean.core.resources;

/** The resource vector glean reasons about. CPU is compressible, memory is not. */
public record Resources(Millicores cpu, Bytes memory) {
    public static final Resources ZERO = new Resources(Millicores.ZERO, Bytes.ZERO);

    public Resources {
        java.util.Objects.requireNonNull(cpu, "cpu");
        java.util.Objects.requireNonNull(memory, "memory");
    }

    public static Resources of(long millicores, long bytes) {
        return new Resources(new Millicores(millicores), new Bytes(bytes));
    }

    public Resources plus(Resources o) {
        return new Resources(cpu.plus(o.cpu), memory.plus(o.memory));
    }

    /** Component-wise, saturating at zero. */
    public Resources minus(Resources o) {
        return new Resources(cpu.minus(o.cpu), memory.minus(o.memory));
    }

    /** True when every component of this is at most the other's. */
    public boolean fitsIn(Resources o) {
        return cpu.compareTo(o.cpu) <= 0 && memory.compareTo(o.memory) <= 0;
    }
}
