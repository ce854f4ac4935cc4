package dev.glean.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How page cache is taken out of a cgroup's memory (the rule is written on {@link CgroupStats}). */
class CgroupMemoryStatTest {
    private final CgroupFiles files = new CgroupFiles(null);

    @Test
    void v1PageCacheIsTheHierarchicalFileLruOfThisMachinesRootMemoryStat() {
        // real root memory.stat: total_cache 206864384 includes total_shmem 9166848 (tmpfs), which is not cache
        TextBuffer t = TextBuffer.of(Fixtures.resource("cgroup-v1/memory.stat-root"));
        assertEquals(78082048L + 119611392L, files.pageCacheV1(t));
    }

    @Test
    void v1ParentUsesTotalKeysNotItsOwnEmptyOnes() {
        // real memory.stat of a parent cgroup here: own keys are all 0, total_rss is 1339392, no page cache
        TextBuffer t = TextBuffer.of(Fixtures.resource("cgroup-v1/memory.stat-parent"));
        assertEquals(0, files.pageCacheV1(t));
        TextBuffer withCache = TextBuffer.of("cache 0\nactive_file 0\ninactive_file 0\ntotal_cache 5000\n"
                + "total_shmem 1000\ntotal_inactive_file 3000\ntotal_active_file 1000\n");
        assertEquals(4000, files.pageCacheV1(withCache));
    }

    @Test
    void v1FallsBackToCacheMinusShmemWithoutLruKeys() {
        assertEquals(4000, files.pageCacheV1(TextBuffer.of("total_cache 5000\ntotal_shmem 1000\n")));
    }

    @Test
    void v2PageCacheIsTheFileLruNotFileWhichIncludesShmem() {
        // v2 memory.stat in the kernel 6.x format (hand-written: this host has no v2 memory controller);
        // file 58720256 = active_file 20971520 + inactive_file 33554432 + shmem 4194304
        TextBuffer t = TextBuffer.of(Fixtures.resource("cgroup-v2/memory.stat"));
        assertEquals(20971520L + 33554432L, files.pageCacheV2(t));
        assertEquals(3000, files.pageCacheV2(TextBuffer.of("anon 1\nfile 5000\nshmem 2000\n")));
    }
}
