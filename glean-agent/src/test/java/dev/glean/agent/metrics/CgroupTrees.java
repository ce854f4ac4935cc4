package dev.glean.agent.metrics;

import java.nio.file.Path;

/**
 * Builds temp directories laid out like real cgroup filesystems, with files in the kernel's format. Only the
 * files the readers use are written.
 */
final class CgroupTrees {
    private CgroupTrees() {}

    /**
     * A v1 hybrid host like this machine: one directory per controller, cpu and cpuacct apart (or co-mounted as
     * "cpu,cpuacct"), plus a cgroup2 at unified/ when {@code unified}.
     */
    static Path v1(Path root, boolean coMountedCpu, boolean unified) {
        for (String c : coMountedCpu ? new String[] {"cpu,cpuacct", "memory", "pids"}
                : new String[] {"cpu", "cpuacct", "memory", "pids"}) {
            Fixtures.write(root, c + "/cgroup.procs", "1\n");
        }
        if (unified) {
            Fixtures.write(root, "unified/cgroup.procs", "1\n");
            Fixtures.write(root, "unified/cgroup.controllers", "hugetlb\n");
        }
        return root;
    }

    /** Writes a v1 cgroup's counters into every hierarchy. */
    static void v1Cgroup(Path root, String cgroup, long cpuNanos, long usageBytes, long activeFile, long inactiveFile,
            long shmem) {
        boolean co = root.resolve("cpu,cpuacct").toFile().isDirectory();
        String acct = co ? "cpu,cpuacct" : "cpuacct";
        String cpu = co ? "cpu,cpuacct" : "cpu";
        Fixtures.write(root, acct + "/" + cgroup + "/cpuacct.usage", cpuNanos + "\n");
        Fixtures.write(root, cpu + "/" + cgroup + "/cpu.stat",
                "nr_periods 40\nnr_throttled 7\nthrottled_time 350000000\nnr_bursts 0\nburst_time 0\n");
        Fixtures.write(root, "memory/" + cgroup + "/memory.usage_in_bytes", usageBytes + "\n");
        Fixtures.write(root, "memory/" + cgroup + "/memory.limit_in_bytes", "9223372036854771712\n");
        // The format of this machine's memory.stat: own keys first (0 for a parent), then the total_ keys.
        long anon = Math.max(0, usageBytes - activeFile - inactiveFile - shmem);
        Fixtures.write(root, "memory/" + cgroup + "/memory.stat", """
                cache 0
                rss 0
                rss_huge 0
                shmem 0
                mapped_file 0
                inactive_file 0
                active_file 0
                hierarchical_memory_limit 9223372036854771712
                hierarchical_memsw_limit 9223372036854771712
                total_cache %d
                total_rss %d
                total_rss_huge 0
                total_shmem %d
                total_mapped_file 0
                total_dirty 0
                total_pgfault 1251
                total_inactive_anon %d
                total_active_anon 4096
                total_inactive_file %d
                total_active_file %d
                total_unevictable 0
                """.formatted(activeFile + inactiveFile + shmem, anon, shmem, anon + shmem, inactiveFile, activeFile));
        Fixtures.write(root, "pids/" + cgroup + "/pids.current", "5\n");
    }

    /** A v2-only host: cgroup2 at the root, with cgroup.controllers (what {@code CgroupHost.detect} looks for). */
    static Path v2(Path root) {
        Fixtures.write(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        Fixtures.write(root, "cgroup.subtree_control", "cpu io memory pids\n");
        Fixtures.write(root, "cgroup.procs", "1\n");
        return root;
    }

    /** Writes a v2 cgroup's cpu.stat, memory.current, memory.stat, memory.max, pids.current. */
    static void v2Cgroup(Path root, String cgroup, long usageUsec, long currentBytes, long activeFile,
            long inactiveFile, long shmem) {
        Fixtures.write(root, cgroup + "/cgroup.controllers", "cpu io memory pids\n");
        Fixtures.write(root, cgroup + "/cpu.stat", """
                usage_usec %d
                user_usec %d
                system_usec %d
                nice_usec 0
                core_sched.force_idle_usec 0
                nr_periods 1223
                nr_throttled 310
                throttled_usec 9875312
                nr_bursts 0
                burst_usec 0
                """.formatted(usageUsec, usageUsec * 3 / 4, usageUsec - usageUsec * 3 / 4));
        Fixtures.write(root, cgroup + "/memory.current", currentBytes + "\n");
        long anon = Math.max(0, currentBytes - activeFile - inactiveFile - shmem);
        Fixtures.write(root, cgroup + "/memory.stat", """
                anon %d
                file %d
                kernel 0
                kernel_stack 0
                pagetables 0
                sec_pagetables 0
                percpu 0
                sock 0
                vmalloc 0
                shmem %d
                file_mapped 0
                file_dirty 0
                inactive_anon %d
                active_anon 0
                inactive_file %d
                active_file %d
                unevictable 0
                slab_reclaimable 0
                pgfault 402117
                """.formatted(anon, activeFile + inactiveFile + shmem, shmem, anon + shmem, inactiveFile, activeFile));
        Fixtures.write(root, cgroup + "/memory.max", "max\n");
        Fixtures.write(root, cgroup + "/pids.current", "3\n");
        Fixtures.write(root, cgroup + "/cpu.pressure",
                "some avg10=3.00 avg60=1.00 avg300=0.20 total=5000\nfull avg10=1.50 avg60=0.00 avg300=0.00 total=2500\n");
        Fixtures.write(root, cgroup + "/memory.pressure",
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        Fixtures.write(root, cgroup + "/io.pressure",
                "some avg10=0.25 avg60=0.00 avg300=0.00 total=900\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=100\n");
    }
}
