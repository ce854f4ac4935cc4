package dev.glean.agent.metrics;

import dev.glean.agent.cgroup.CgroupHost;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the counters of one cgroup, named by its path relative to the root of the hierarchy: glean's parent
 * is {@link #parentCgroup()} ("glean"), a container is {@link #containerCgroup(String)} ("glean/&lt;id&gt;").
 * One implementation per cgroup version, picked by {@link #of(CgroupHost)} from {@link CgroupHost#mode()}.
 *
 * <p>A cgroup that does not exist (not made yet, or removed with its container, even in the middle of a read)
 * gives empty results, never an exception. Other I/O errors throw {@link java.io.UncheckedIOException}.
 *
 * <h2>Memory: page cache is not counted as used</h2>
 * Used memory = the cgroup's charged memory minus the page cache on its file LRU lists:
 * <ul>
 *   <li>v1: {@code memory.usage_in_bytes - (total_active_file + total_inactive_file)} of memory.stat. The
 *       {@code total_*} (hierarchical) keys are needed: a parent's own keys count only pages charged to it
 *       directly, which for glean's parent is nothing (measured here).</li>
 *   <li>v2: {@code memory.current - (active_file + inactive_file)} of memory.stat (already hierarchical).</li>
 * </ul>
 * Page cache reported = that file LRU sum. Deliberately NOT v1 {@code total_cache} or v2 {@code file}: both
 * include shmem/tmpfs pages, which sit on the anon LRU and, on hosts without swap (like these), can only be
 * freed by deleting the files or killing the job. Counting them as cache would hide memory that the guard
 * cannot take back by lowering a limit. Active file pages are counted as cache too: lowering a limit reclaims
 * them (after the inactive ones). If a kernel lacks the LRU keys, cache falls back to cache/file minus shmem.
 * What is left as "used" is anon memory, shmem, kernel memory charged to the cgroup (slab, stacks, page
 * tables) and unevictable pages. v1's usage_in_bytes is a slightly fuzzy counter (per-CPU charge batches of
 * up to 64 pages); that error is accepted for a cheap read.
 */
public sealed interface CgroupStats permits CgroupV1Stats, CgroupV2Stats {

    static CgroupStats of(CgroupHost host) {
        return host.mode() == CgroupHost.Mode.V2 ? new CgroupV2Stats(host) : new CgroupV1Stats(host);
    }

    CgroupHost host();

    default String parentCgroup() {
        return host().parent();
    }

    /**
     * glean's cgroup for one container: {@code <parent>/<containerId>}.
     *
     * @throws IllegalArgumentException if the id is empty, "." or "..", or holds '/' or a NUL
     */
    default String containerCgroup(String containerId) {
        return host().parent() + "/" + CgroupFiles.checkName(containerId);
    }

    boolean exists(String cgroup);

    /** CPU time and memory; empty if the cgroup does not exist. */
    Optional<CgroupUsage> usage(String cgroup);

    /** CFS throttling counters; empty if the cgroup does not exist (zeros without the cpu controller). */
    Optional<CpuThrottling> throttling(String cgroup);

    /** The hard memory limit in bytes, {@link Long#MAX_VALUE} if unlimited; empty if the cgroup does not exist. */
    OptionalLong memoryLimit(String cgroup);

    /** Number of tasks in the cgroup (pids controller); empty if absent. */
    OptionalLong pidsCurrent(String cgroup);

    /**
     * The cgroup's PSI. v2: the cgroup's own files. v1 hosts have per-cgroup PSI only in a hybrid cgroup2 mount
     * ({@code /sys/fs/cgroup/unified/<cgroup>}), if the cgroup was made there too (runc does); else NONE.
     */
    CgroupPressure pressure(String cgroup);
}
