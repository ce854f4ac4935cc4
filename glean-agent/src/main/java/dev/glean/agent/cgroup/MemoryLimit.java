package dev.glean.agent.cgroup;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the hard memory limit of one cgroup (glean's parent, or a container while the guard reclaims its page
 * cache). Lowering a limit below what the cgroup holds makes the kernel reclaim the cgroup's own page cache
 * first; below what it cannot reclaim (no swap here: anon memory) the write fails with EBUSY and nothing changes.
 */
public final class MemoryLimit {
    private static final long V1_UNLIMITED = Long.MAX_VALUE;

    private MemoryLimit() {}

    /**
     * v1: memory.memsw.limit_in_bytes must never be below memory.limit_in_bytes, so the order depends on the
     * direction: raise memsw first when raising, lower the limit first when lowering. Lowering below what the
     * kernel can reclaim fails with EBUSY before anything changed; a failure of the second write restores the
     * first, so the pair is never left half applied.
     *
     * @param memory the cgroup's directory in the memory hierarchy
     * @param target bytes; {@link Long#MAX_VALUE} for no limit
     */
    public static void setV1(Path memory, long target) {
        CgroupFile limit = CgroupFile.of(memory, "memory.limit_in_bytes");
        CgroupFile memsw = CgroupFile.of(memory, "memory.memsw.limit_in_bytes");
        long current = limit.readLong(V1_UNLIMITED);
        String value = Long.toString(target);
        if (!memsw.exists()) {
            writeLimit(limit, memory, value, "memory.usage_in_bytes");
            return;
        }
        if (target >= current) {
            String oldMemsw = memsw.read();
            memsw.write(value);
            try {
                writeLimit(limit, memory, value, "memory.usage_in_bytes");
            } catch (GleanException e) {
                restore(memsw, oldMemsw, e);
                throw e;
            }
        } else {
            writeLimit(limit, memory, value, "memory.usage_in_bytes");
            try {
                memsw.write(value);
            } catch (GleanException e) {
                restore(limit, Long.toString(current), e);
                throw e;
            }
        }
    }

    /** v2: memory.max ({@link Long#MAX_VALUE}: "max"); swap has a limit of its own, so there is no order. */
    public static void setV2(Path cgroup, long target) {
        writeLimit(CgroupFile.of(cgroup, "memory.max"), cgroup, target == Long.MAX_VALUE ? "max" : Long.toString(target),
                "memory.current");
    }

    private static void writeLimit(CgroupFile limit, Path dir, String value, String usageFile) {
        try {
            limit.write(value);
        } catch (GleanException e) {
            long usage = CgroupFile.of(dir, usageFile).readLong(-1);
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot set the memory limit of " + dir + " to "
                    + value + " bytes" + (usage >= 0 ? " (its usage is " + usage + " bytes)" : "")
                    + ": the kernel refused ("
                    + (e.getCause() instanceof IOException io ? CgroupFile.reason(io) : e.getMessage())
                    + "); the previous limit stays in place", e);
        }
    }

    private static void restore(CgroupFile file, String oldValue, GleanException failure) {
        if (oldValue.isEmpty()) {
            return;
        }
        try {
            file.write(oldValue);
        } catch (GleanException again) {
            failure.addSuppressed(again);
        }
    }
}
