package dev.glean.agent.metrics;

import dev.glean.agent.cgroup.CgroupHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: measures one {@link HostSampler#sample} on this host with 0 and 10 containers. Makes a parent
 * and 10 empty container cgroups under a unique name in the v1 cpuacct and memory hierarchies (or the v2 root),
 * removes them afterwards. Run as root:
 * {@code java -cp glean-agent/target/classes:glean-agent/target/test-classes:glean-core/target/classes
 * dev.glean.agent.metrics.HostSamplerCost}
 */
public final class HostSamplerCost {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        CgroupHost probe = CgroupHost.detect();
        String parent = "glean-metrics-cost-" + ProcessHandle.current().pid();
        CgroupHost host = new CgroupHost(probe.root(), probe.mode(), parent);
        List<Path> made = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add("c" + i);
        }
        List<Path> parents = host.mode() == CgroupHost.Mode.V1
                ? List.of(host.v1Parent("cpuacct"), host.v1Parent("memory"))
                : List.of(host.root().resolve(parent));
        try {
            for (Path p : parents) {
                Files.createDirectory(p);
                made.add(p);
                for (String id : ids) {
                    made.add(Files.createDirectory(p.resolve(id)));
                }
            }
            for (List<String> set : List.of(List.<String>of(), ids)) {
                HostSampler sampler = HostSampler.create(Path.of("/proc"), host, Clock.systemUTC());
                long cold = System.nanoTime();
                sampler.sample(set);
                cold = System.nanoTime() - cold;
                for (int i = 0; i < rounds; i++) {
                    sampler.sample(set); // warm up the JIT
                }
                long[] t = new long[rounds];
                for (int i = 0; i < rounds; i++) {
                    long s = System.nanoTime();
                    sampler.sample(set);
                    t[i] = System.nanoTime() - s;
                }
                Arrays.sort(t);
                System.out.printf("%2d containers (%s): first call %d us; warm: median %d us, p90 %d us, p99 %d us "
                                + "(%d samples)%n", set.size(), host.mode(), cold / 1000, t[rounds / 2] / 1000,
                        t[rounds * 9 / 10] / 1000, t[rounds * 99 / 100] / 1000, rounds);
                if (!set.isEmpty() && sampler.sample(set).containers().size() != set.size()) {
                    throw new AssertionError("containers not all read");
                }
            }
        } finally {
            for (int i = made.size() - 1; i >= 0; i--) {
                Files.deleteIfExists(made.get(i));
            }
        }
    }
}
