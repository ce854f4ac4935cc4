package dev.glean.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.runtime.ContainerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the OCI bundle of one container of image {@code host}: an empty read-only rootfs that gets the host's
 * /usr, /etc and /opt bound read-only (the rest of the host, /root and /home included, stays invisible), a
 * private writable /work (the working directory) and /tmp owned by the container's root, and config.json.
 *
 * <p>Isolation: own pid, ipc, uts and mount namespaces and a user namespace mapping container uid/gid 0.. to
 * {@code hostUidBase..} so the container's root is an unprivileged host user; a small capability set without
 * CAP_SYS_ADMIN; no_new_privs; oom_score_adj 1000 so the kernel's OOM killer takes secondaries first.
 */
final class OciBundleWriter {
    static final String HOST_IMAGE = "host";
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Host directories bound read-only into every container, when they exist. */
    static final List<String> HOST_DIRS = List.of("/usr", "/etc", "/opt");
    /** Top-level names that are links into /usr on merged-/usr hosts (bound read-only where they are real dirs). */
    static final List<String> USR_LINKS = List.of("bin", "lib", "lib32", "lib64", "libx32", "sbin");
    /** Capabilities inside the user namespace: enough for a root that chowns and switches users in its own files. */
    static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the bundle depends on besides the spec. */
    record Options(int hostUidBase, int uidCount, String cgroupsPath, boolean swapAccounting, long nofile, Path hostRoot) {}

    private final Options options;

    OciBundleWriter(Options options) {
        this.options = options;
    }

    /** Creates rootfs, work and tmp under the layout's directory (which must exist) and writes config.json. */
    void write(ContainerLayout layout, ContainerSpec spec) {
        try {
            Files.createDirectories(layout.rootfs());
            for (String d : List.of("usr", "etc", "opt", "proc", "sys", "dev", "tmp", "work")) {
                Files.createDirectories(layout.rootfs().resolve(d));
            }
            List<String> boundTopLevel = new ArrayList<>();
            for (String name : USR_LINKS) {
                Path host = options.hostRoot().resolve(name);
                Path inRoot = layout.rootfs().resolve(name);
                if (Files.isSymbolicLink(host)) {
                    Files.createSymbolicLink(inRoot, Files.readSymbolicLink(host));
                } else if (Files.isDirectory(host)) {
                    Files.createDirectories(inRoot);
                    boundTopLevel.add("/" + name);
                } else if (!name.equals("lib32") && !name.equals("libx32")) {
                    Files.createSymbolicLink(inRoot, Path.of("usr", name));
                }
            }
            privateDir(layout.work(), 0755);
            privateDir(layout.tmp(), 01777);
            List<ObjectNode> volumeMounts = volumes(layout, spec.volumes());
            JSON.writeValue(layout.config().toFile(), config(layout, spec, boundTopLevel, volumeMounts));
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot write the bundle of " + layout.id() + ": " + e.getMessage(), e);
        }
    }

    private void privateDir(Path dir, int mode) throws IOException {
        Files.createDirectories(dir);
        Files.setAttribute(dir, "unix:mode", mode); // PosixFilePermissions cannot express the sticky bit
        chownToContainerRoot(dir);
    }

    private void chownToContainerRoot(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", options.hostUidBase(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", options.hostUidBase(), LinkOption.NOFOLLOW_LINKS);
    }

    ObjectNode config(ContainerLayout layout, ContainerSpec spec, List<String> boundTopLevel, List<ObjectNode> volumes) {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2");
        c.set("process", process(spec));
        ObjectNode root = c.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", true);
        c.put("hostname", layout.id());
        ArrayNode mounts = c.putArray("mounts");
        mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        // A fresh sysfs needs a network namespace of its own (EPERM here), and a cgroup mount at /sys/fs/cgroup
        // fails on hybrid hosts: bind the host's /sys recursively read-only instead. The container then sees
        // its own cgroup (read-only) as runtimes like the JVM expect, at /sys/fs/cgroup/<ctrl>/<parent>/<id>.
        mounts.add(mount("/sys", "bind", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro", "rro")));
        for (String dir : HOST_DIRS) {
            if (Files.isDirectory(options.hostRoot().resolve(dir.substring(1)))) {
                mounts.add(readOnlyBind(dir, dir));
            }
        }
        for (String dir : boundTopLevel) {
            mounts.add(readOnlyBind(dir, dir));
        }
        mounts.add(mount("/work", "bind", layout.work().toString(), List.of("rbind", "rw", "nosuid", "nodev")));
        mounts.add(mount("/tmp", "bind", layout.tmp().toString(), List.of("rbind", "rw", "nosuid", "nodev")));
        volumes.forEach(mounts::add);
        c.set("linux", linux(spec));
        return c;
    }

    private ObjectNode process(ContainerSpec spec) {
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", false);
        ObjectNode user = p.putObject("user");
        user.put("uid", 0);
        user.put("gid", 0);
        ArrayNode args = p.putArray("args");
        spec.command().forEach(args::add);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOME", "/work");
        env.putAll(new java.util.TreeMap<>(spec.env()));
        ArrayNode envArray = p.putArray("env");
        env.forEach((k, v) -> envArray.add(k + "=" + v));
        p.put("cwd", "/work");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode a = caps.putArray(set);
            CAPABILITIES.forEach(a::add);
        }
        ObjectNode nofile = p.putArray("rlimits").addObject();
        nofile.put("type", "RLIMIT_NOFILE");
        nofile.put("hard", options.nofile());
        nofile.put("soft", options.nofile());
        p.put("noNewPrivileges", true);
        p.put("oomScoreAdj", 1000);
        return p;
    }

    private ObjectNode linux(ContainerSpec spec) {
        ObjectNode l = JSON.createObjectNode();
        for (String key : List.of("uidMappings", "gidMappings")) {
            ObjectNode m = l.putArray(key).addObject();
            m.put("containerID", 0);
            m.put("hostID", options.hostUidBase());
            m.put("size", options.uidCount());
        }
        // No network namespace yet: the container shares the host's network, so jobs reach the network as any
        // host process does and need no bridge, NAT or CNI setup. Being a user-namespaced root without
        // CAP_NET_* in the host's user namespace, it cannot reconfigure the host's network or bind ports below
        // 1024. A private netns (veth or slirp) comes with per-job network policy.
        ArrayNode ns = l.putArray("namespaces");
        for (String t : List.of("pid", "ipc", "uts", "mount", "user")) {
            ns.addObject().put("type", t);
        }
        l.put("cgroupsPath", options.cgroupsPath());
        ObjectNode res = l.putObject("resources");
        ObjectNode denyAll = res.putArray("devices").addObject();
        denyAll.put("allow", false);
        denyAll.put("access", "rwm");
        if (spec.memory() != null && spec.memory().value() > 0) {
            ObjectNode mem = res.putObject("memory");
            mem.put("limit", spec.memory().value());
            if (options.swapAccounting()) {
                mem.put("swap", spec.memory().value()); // memory+swap = memory: no swap beyond the limit
            }
        }
        ObjectNode cpu = res.putObject("cpu");
        cpu.put("shares", cpuShares(spec));
        if (spec.pidsMax() > 0) {
            res.putObject("pids").put("limit", spec.pidsMax());
        }
        ArrayNode masked = l.putArray("maskedPaths");
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware").forEach(masked::add);
        ArrayNode ro = l.putArray("readonlyPaths");
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(ro::add);
        return l;
    }

    /** Weight among secondaries only (their parent ranks all of them below the incumbents): 1024 per core. */
    static long cpuShares(ContainerSpec spec) {
        long millis = spec.cpu() == null ? 1000 : spec.cpu().value();
        return Math.min(262_144, Math.max(2, millis * 1024 / 1000));
    }

    /**
     * Bind mounts for the spec's volumes. The rootfs belongs to the host's root and the container's root may not
     * create mount points in it, so they are made here: in rootfs, in work/ or tmp/ for targets below /work and
     * /tmp; a target inside a host directory bound read-only must already exist on the host.
     */
    private List<ObjectNode> volumes(ContainerLayout layout, List<VolumeMount> volumes) throws IOException {
        List<ObjectNode> result = new ArrayList<>();
        for (VolumeMount v : volumes) {
            Path source = Path.of(v.hostPath()).normalize();
            Path target = Path.of(v.containerPath()).normalize();
            if (!Files.exists(source)) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "volume source " + source + " does not exist");
            }
            if (target.getNameCount() == 0) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "volume target must not be /");
            }
            String top = target.getName(0).toString();
            boolean file = !Files.isDirectory(source);
            if (List.of("proc", "sys", "dev").contains(top)) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "volume target " + target + " is inside /" + top);
            } else if (top.equals("work") || top.equals("tmp")) {
                Path base = top.equals("work") ? layout.work() : layout.tmp();
                if (target.getNameCount() > 1) {
                    mountPoint(base.resolve(target.subpath(1, target.getNameCount()).toString()), file, true);
                }
            } else if (HOST_DIRS.contains("/" + top) || USR_LINKS.contains(top)) {
                if (!Files.exists(options.hostRoot().resolve(target.toString().substring(1)))) {
                    throw new GleanException(ErrorCode.RUNTIME_ERROR, "volume target " + target
                            + " is inside the read-only host directory /" + top + " and does not exist there");
                }
            } else {
                mountPoint(layout.rootfs().resolve(target.toString().substring(1)), file, false);
            }
            List<String> opts = new ArrayList<>(List.of("rbind", "nosuid", "nodev"));
            opts.addAll(v.readOnly() ? List.of("ro", "rro") : List.of("rw"));
            result.add(mount(target.toString(), "bind", source.toString(), opts));
        }
        return result;
    }

    /** Creates the mount point and the directories leading to it; in work/ and tmp/ they belong to the container. */
    private void mountPoint(Path p, boolean file, boolean containerOwned) throws IOException {
        List<Path> created = new ArrayList<>();
        for (Path q = p; q != null && !Files.exists(q, LinkOption.NOFOLLOW_LINKS); q = q.getParent()) {
            created.add(q);
        }
        Files.createDirectories(file ? p.getParent() : p);
        if (file && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(p);
        }
        if (containerOwned) {
            for (Path q : created) {
                chownToContainerRoot(q);
            }
        }
    }

    private static ObjectNode readOnlyBind(String target, String source) {
        return mount(target, "bind", source, List.of("rbind", "nosuid", "nodev", "ro", "rro"));
    }

    private static ObjectNode mount(String destination, String type, String source, List<String> options) {
        ObjectNode m = JSON.createObjectNode();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        ArrayNode o = m.putArray("options");
        options.forEach(o::add);
        return m;
    }
}
