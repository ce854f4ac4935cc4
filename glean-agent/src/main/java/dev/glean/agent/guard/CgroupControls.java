package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupFile;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.MemoryLimit;
import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.IoLimit;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.error.GleanException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link GuardControls} on the host's cgroups.
 *
 * <ul>
 *   <li>CPU: v1 {@code cpu.cfs_quota_us} over {@code cpu.cfs_period_us} on glean's parent in the cpu hierarchy (CFS
 *       bandwidth is hierarchical: it holds every container below); v2 {@code cpu.max}. With {@code confine}, a cap
 *       of k CPUs also sets {@code cpuset.cpus} to the last ceil(k) online CPUs: on v1 on the parent and on every
 *       container (v1 needs a child's CPUs within its parent's: narrowed children first, widened parent first).</li>
 *   <li>io: v2 {@code io.max} on the parent. v1 {@code blkio.throttle.*_device} act only on the tasks of the cgroup
 *       they are set on, not on its children (the kernel keeps v1 blk-throttle flat; measured here: a child
 *       wrote 8 MiB at full speed under a parent limited to 4 MiB/s), so each container gets an equal share
 *       of the limit, and containers that start later get theirs at the next reading. A container's own disk (a
 *       loop device, see {@link JobDiskDevices}) gets the same share where its image lives on the throttled disk:
 *       the disk's rule alone does not hold what a job writes there.</li>
 *   <li>memory: the container's own limit, through {@link MemoryLimit} (v1 with memsw in the safe order).</li>
 * </ul>
 */
public final class CgroupControls implements GuardControls {
    private final CgroupHost host;
    private final long periodMicros;
    /** v1: the limits in force per device and the containers that have their share. */
    private final Map<String, IoLimit> ioLimits = new HashMap<>();
    private final Map<String, Set<String>> throttled = new HashMap<>();
    private final boolean confine;
    /** The jobs' own disks, null where there are none to throttle (tests, hosts without job disks). */
    private final JobDiskDevices jobDisks;
    /** The CPUs the secondaries are confined to now ("0-1" style), null while nothing was written. */
    private String confinedTo;
    private Set<String> confinedContainers = Set.of();

    public CgroupControls(CgroupHost host, Duration cfsPeriod) {
        this(host, cfsPeriod, false);
    }

    public CgroupControls(CgroupHost host, Duration cfsPeriod, boolean confine) {
        this(host, cfsPeriod, confine, null);
    }

    public CgroupControls(CgroupHost host, Duration cfsPeriod, boolean confine, JobDiskDevices jobDisks) {
        if (cfsPeriod.toNanos() < 1_000_000 || cfsPeriod.toNanos() > 1_000_000_000) {
            throw new IllegalArgumentException("the CFS period must be between 1 ms and 1 s: " + cfsPeriod);
        }
        this.host = host;
        this.periodMicros = cfsPeriod.toNanos() / 1000;
        this.confine = confine;
        this.jobDisks = jobDisks;
    }

    @Override
    public synchronized void setCpuCap(CpuCap cap) {
        long quota = switch (cap) {
            case CpuCap.Unlimited u -> -1;
            // The kernel takes no quota under 1 ms.
            case CpuCap.Limit l -> Math.max(1000, l.cpu().value() * periodMicros / 1000);
        };
        if (host.mode() == CgroupHost.Mode.V2) {
            Path parent = host.root().resolve(host.parent());
            CgroupFile.of(parent, "cpu.max").write((quota < 0 ? "max" : Long.toString(quota)) + " " + periodMicros);
            return;
        }
        Path cpu = host.v1Parent("cpu");
        CgroupFile period = CgroupFile.of(cpu, "cpu.cfs_period_us");
        if (period.readLong(-1) != periodMicros) {
            period.write(Long.toString(periodMicros));
        }
        CgroupFile.of(cpu, "cpu.cfs_quota_us").write(Long.toString(quota));
        if (confine) {
            confine(cap);
        }
    }

    /** The secondaries may run on the last {@code cap.cpus(n)} online CPUs only. */
    private void confine(CpuCap cap) {
        List<Integer> online = cpuList(CgroupFile.of(cpusetRoot(), "cpuset.effective_cpus").exists()
                ? CgroupFile.of(cpusetRoot(), "cpuset.effective_cpus").read()
                : CgroupFile.of(cpusetRoot(), "cpuset.cpus").read());
        if (online.isEmpty()) {
            return;
        }
        List<Integer> keep = online.subList(online.size() - cap.cpus(online.size()), online.size());
        String want = cpuText(keep);
        if (want.equals(confinedTo)) {
            return;
        }
        Path parent = host.mode() == CgroupHost.Mode.V2 ? host.root().resolve(host.parent()) : host.v1Parent("cpuset");
        if (host.mode() == CgroupHost.Mode.V2) {
            // children inherit the parent's effective CPUs on v2
            CgroupFile f = CgroupFile.of(parent, "cpuset.cpus");
            if (f.exists()) {
                f.write(want);
            }
            confinedTo = want;
            return;
        }
        List<Integer> before = cpuList(CgroupFile.of(parent, "cpuset.cpus").read());
        boolean narrower = before.containsAll(keep);
        if (!narrower) {
            CgroupFile.of(parent, "cpuset.cpus").write(want);
        }
        Set<String> done = new HashSet<>();
        for (Path child : children(parent)) {
            try {
                CgroupFile.of(child, "cpuset.cpus").write(want);
                done.add(child.getFileName().toString());
            } catch (GleanException e) {
                if (Files.isDirectory(child)) {
                    throw e;
                }
                // the container was removed since the listing: nothing to confine
            }
        }
        if (narrower) {
            CgroupFile.of(parent, "cpuset.cpus").write(want);
        }
        confinedTo = want;
        confinedContainers = done;
    }

    private Path cpusetRoot() {
        return host.mode() == CgroupHost.Mode.V2 ? host.root() : host.v1Root("cpuset");
    }

    private static List<Path> children(Path dir) {
        try (var s = Files.list(dir)) {
            return s.filter(Files::isDirectory).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** "0-3,6" -> [0, 1, 2, 3, 6]. */
    static List<Integer> cpuList(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : text.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            int from = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).trim());
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    static String cpuText(List<Integer> cpus) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cpus.size(); i++) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) {
                j++;
            }
            b.append(b.isEmpty() ? "" : ",").append(cpus.get(i)).append(i == j ? "" : "-" + cpus.get(j));
            i = j;
        }
        return b.toString();
    }

    /** The cap in force on glean's parent now, read back from the cgroup. */
    public CpuCap cpuCap() {
        long quota;
        long period;
        if (host.mode() == CgroupHost.Mode.V2) {
            String[] f = CgroupFile.of(host.root().resolve(host.parent()), "cpu.max").read().split("\\s+");
            quota = f[0].equals("max") ? -1 : Long.parseLong(f[0]);
            period = Long.parseLong(f[1]);
        } else {
            Path cpu = host.v1Parent("cpu");
            quota = CgroupFile.of(cpu, "cpu.cfs_quota_us").readLong(-1);
            period = CgroupFile.of(cpu, "cpu.cfs_period_us").readLong(100_000);
        }
        return quota < 0 ? CpuCap.UNLIMITED : new CpuCap.Limit(new Millicores(quota * 1000 / period));
    }

    @Override
    public synchronized void throttleIo(String device, IoLimit limit, Collection<String> containers) {
        if (host.mode() == CgroupHost.Mode.V2) {
            CgroupFile.of(host.root().resolve(host.parent()), "io.max").write(device + " rbps=" + limit.readBps()
                    + " wbps=" + limit.writeBps() + " riops=" + limit.readIops() + " wiops=" + limit.writeIops());
            return;
        }
        ioLimits.put(device, limit);
        throttled.put(device, new HashSet<>());
        applyShares(device, containers);
    }

    @Override
    public synchronized void unthrottleIo(String device, Collection<String> containers) {
        if (host.mode() == CgroupHost.Mode.V2) {
            CgroupFile.of(host.root().resolve(host.parent()), "io.max").write(device
                    + " rbps=max wbps=max riops=max wiops=max");
            return;
        }
        ioLimits.remove(device);
        Set<String> had = throttled.remove(device);
        Set<String> all = new HashSet<>(containers);
        if (had != null) {
            all.addAll(had);
        }
        Map<String, String> loops = loops(device, all);
        for (String id : all) {
            writeV1Throttle(id, device, 0, 0, 0, 0); // 0 removes the rule
            if (loops.containsKey(id)) {
                writeV1Throttle(id, loops.get(id), 0, 0, 0, 0);
            }
        }
    }

    @Override
    public synchronized void containers(Collection<String> live) {
        if (host.mode() == CgroupHost.Mode.V2) {
            return;
        }
        if (confinedTo != null && !confinedContainers.containsAll(live)) {
            // a container started since: runc gave it the parent's CPUs, which are the confined ones, but write
            // them anyway (a container made before a narrowing already has them)
            Set<String> done = new HashSet<>(confinedContainers);
            for (String id : live) {
                Path dir = host.containerDir(host.v1Root("cpuset"), id);
                if (!done.contains(id) && Files.isDirectory(dir)) {
                    CgroupFile.of(dir, "cpuset.cpus").write(confinedTo);
                    done.add(id);
                }
            }
            done.retainAll(live);
            confinedContainers = done;
        }
        for (String device : ioLimits.keySet()) {
            Set<String> had = throttled.getOrDefault(device, Set.of());
            if (!had.equals(new HashSet<>(live))) {
                applyShares(device, live); // shares change with the number of containers
            }
        }
    }

    private void applyShares(String device, Collection<String> containers) {
        IoLimit limit = ioLimits.get(device);
        Set<String> live = new HashSet<>(containers);
        int n = Math.max(1, live.size());
        Map<String, String> loops = loops(device, live);
        for (String id : live) {
            long rbps = share(limit.readBps(), n);
            long wbps = share(limit.writeBps(), n);
            long riops = share(limit.readIops(), n);
            long wiops = share(limit.writeIops(), n);
            writeV1Throttle(id, device, rbps, wbps, riops, wiops);
            if (loops.containsKey(id)) {
                writeV1Throttle(id, loops.get(id), rbps, wbps, riops, wiops);
            }
        }
        throttled.put(device, live);
    }

    /** The containers' own disks that a throttle of {@code device} must hold too: those whose image lives on it. */
    private Map<String, String> loops(String device, Collection<String> containers) {
        return jobDisks == null || !jobDisks.imagesOn(device) ? Map.of() : jobDisks.of(containers);
    }

    private static long share(long total, int n) {
        return Math.max(1, total / n);
    }

    private void writeV1Throttle(String id, String device, long rbps, long wbps, long riops, long wiops) {
        Path dir = host.containerDir(host.v1Root("blkio"), id);
        if (!Files.isDirectory(dir)) {
            return; // the container is gone, and its rules with it
        }
        CgroupFile.of(dir, "blkio.throttle.read_bps_device").write(device + " " + rbps);
        CgroupFile.of(dir, "blkio.throttle.write_bps_device").write(device + " " + wbps);
        CgroupFile.of(dir, "blkio.throttle.read_iops_device").write(device + " " + riops);
        CgroupFile.of(dir, "blkio.throttle.write_iops_device").write(device + " " + wiops);
    }

    @Override
    public void setMemoryLimit(String containerId, Bytes limit) {
        if (host.mode() == CgroupHost.Mode.V2) {
            MemoryLimit.setV2(host.root().resolve(host.parent()).resolve(containerId), limit.value());
        } else {
            MemoryLimit.setV1(host.containerDir(host.v1Root("memory"), containerId), limit.value());
        }
    }
}
