package dev.glean.agent.runtime;

import dev.glean.agent.cgroup.CgroupCleaner;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ContainerCgroup;
import dev.glean.agent.cgroup.ParentCgroup;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.resources.Bytes;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ContainerRuntime;
import dev.glean.core.runtime.ContainerSpec;
import dev.glean.core.runtime.ParentLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@link ContainerRuntime} over the runc command line, with one conmon per container as its monitor (see
 * {@link ConmonMonitor}), so containers, their logs and exit codes outlive the agent: a new instance over the
 * same state directory finds them all through {@link #list()}, which reads files only (no runc per call).
 *
 * <p>Layout: each container has {@code stateDir/<id>/} ({@link ContainerLayout}); runc keeps its own state in
 * {@code runcRoot}; cgroups are {@code /<parent>/<id>} in every hierarchy, under the parent that
 * {@link #configureParent} owns.
 */
public final class RuncRuntime implements ContainerRuntime {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration MONITOR_END_WAIT = Duration.ofSeconds(5);

    /**
     * @param stateDir       where each container gets a directory (e.g. /var/lib/glean/agent/NODE/containers)
     * @param runcPath       the runc binary
     * @param conmonPath     the conmon binary
     * @param runcRoot       runc's --root: its state directory, glean's alone (e.g. stateDir/../runc)
     * @param cgroups        where the cgroup hierarchies are and the name of glean's parent
     * @param hostUidBase    the host uid (and gid) the container's root maps to
     * @param uidCount       how many uids/gids are mapped
     * @param defaultStopGrace the grace between TERM and KILL when stop gets none
     * @param diskPerJob     size of each container's own filesystem for /work and /tmp ({@link JobDisk}); zero:
     *                       plain directories on the host's filesystem, no limit
     * @param logPerJob      most bytes of a container's log file on the node (conmon starts it afresh past that);
     *                       zero: no limit
     */
    public record Settings(Path stateDir, Path runcPath, Path conmonPath, Path runcRoot, CgroupHost cgroups,
            int hostUidBase, int uidCount, Duration defaultStopGrace, Bytes diskPerJob, Bytes logPerJob) {

        public static final int DEFAULT_UID_BASE = 100_000;
        public static final int DEFAULT_UID_COUNT = 65_536;

        public Settings {
            if (stateDir == null || runcPath == null || conmonPath == null || runcRoot == null || cgroups == null) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "runtime settings need stateDir, runc, conmon, runcRoot and cgroups");
            }
            if (hostUidBase <= 0 || uidCount <= 0) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "the user namespace needs a host uid base > 0 and a uid count > 0");
            }
            stateDir = stateDir.toAbsolutePath().normalize();
            runcRoot = runcRoot.toAbsolutePath().normalize();
            defaultStopGrace = defaultStopGrace == null ? Duration.ofSeconds(10) : defaultStopGrace;
            diskPerJob = diskPerJob == null ? Bytes.ZERO : diskPerJob;
            logPerJob = logPerJob == null ? Bytes.ZERO : logPerJob;
        }

        /** runc and conmon from PATH (else their Debian locations), runc's root next to stateDir, detected cgroups. */
        public static Settings defaults(Path stateDir) {
            Path abs = stateDir.toAbsolutePath().normalize();
            Path runcRoot = abs.getParent() == null ? abs.resolve("runc") : abs.getParent().resolve("runc");
            return new Settings(abs, findBinary("runc", Path.of("/usr/sbin/runc")),
                    findBinary("conmon", Path.of("/usr/bin/conmon")), runcRoot, CgroupHost.detect(),
                    DEFAULT_UID_BASE, DEFAULT_UID_COUNT, Duration.ofSeconds(10), Bytes.ZERO, Bytes.ZERO);
        }

        public Settings withCgroups(CgroupHost host) {
            return new Settings(stateDir, runcPath, conmonPath, runcRoot, host, hostUidBase, uidCount, defaultStopGrace,
                    diskPerJob, logPerJob);
        }

        public Settings withRuncRoot(Path root) {
            return new Settings(stateDir, runcPath, conmonPath, root, cgroups, hostUidBase, uidCount, defaultStopGrace,
                    diskPerJob, logPerJob);
        }

        /** Each job's disk (its /work and /tmp) and log limits; zero: none. */
        public Settings withJobLimits(Bytes disk, Bytes log) {
            return new Settings(stateDir, runcPath, conmonPath, runcRoot, cgroups, hostUidBase, uidCount, defaultStopGrace,
                    disk, log);
        }

        private static Path findBinary(String name, Path fallback) {
            for (String dir : HostCommand.PATH.split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
            return fallback;
        }
    }

    private final Settings settings;
    private final RuncCommand runc;
    private final ConmonMonitor conmon;
    private final ParentCgroup parent;
    private final CgroupCleaner cleaner;
    private final ContainerInspector inspector;
    private final Map<String, ContainerRecord> records = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Containers inside start(): their files are still being written, so list() must not judge them yet. */
    private final java.util.Set<String> starting = ConcurrentHashMap.newKeySet();

    private RuncRuntime(Settings settings) {
        this.settings = settings;
        this.runc = new RuncCommand(settings.runcPath(), settings.runcRoot());
        this.conmon = new ConmonMonitor(settings.conmonPath(), runc);
        this.parent = new ParentCgroup(settings.cgroups());
        this.cleaner = new CgroupCleaner(settings.cgroups());
        this.inspector = new ContainerInspector(runc, settings.cgroups());
    }

    /**
     * Checks the host (HOST_UNSUPPORTED with what is missing) and prepares the state directories. Containers
     * already in {@code stateDir} are adopted as they are.
     */
    public static RuncRuntime create(Settings s) {
        Optional<String> missing = probe(s);
        if (missing.isPresent()) {
            throw new GleanException(ErrorCode.HOST_UNSUPPORTED, "cannot run containers here: " + missing.get());
        }
        try {
            Files.createDirectories(s.stateDir());
            // The container's root (an unprivileged host uid) resolves the bind sources below stateDir itself:
            // every directory on the way must let others through (x), without letting them list (r).
            Files.setPosixFilePermissions(s.stateDir(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.createDirectories(s.runcRoot());
            Files.setPosixFilePermissions(s.runcRoot(), PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot prepare " + s.stateDir() + ": " + e.getMessage(), e);
        }
        for (Path p = s.stateDir().getParent(); p != null; p = p.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new GleanException(ErrorCode.HOST_UNSUPPORTED, "the containers' root (host uid "
                            + s.hostUidBase() + ") cannot traverse " + p + " to reach " + s.stateDir()
                            + ": give it o+x (chmod o+x " + p + ") or choose another state directory");
                }
            } catch (IOException e) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot check " + p + ": " + e.getMessage(), e);
            }
        }
        return new RuncRuntime(s);
    }

    /** What is missing on this host for the settings' binaries and cgroups; empty when containers can run. */
    public static Optional<String> probe(Settings s) {
        return HostProbe.check(s.runcPath(), s.conmonPath(), s.cgroups());
    }

    /** {@link #probe(Settings)} with the default binaries and the detected cgroups (for {@code glean doctor}). */
    public static Optional<String> probe() {
        return probe(Settings.defaults(Path.of("/var/lib/glean/agent/containers")));
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public void configureParent(ParentLimits limits) {
        guarded(() -> {
            parent.apply(limits);
            return null;
        });
    }

    @Override
    public ContainerInfo start(ContainerSpec spec) {
        return guarded(() -> {
            validate(spec);
            return withLock(spec.id(), () -> doStart(spec));
        });
    }

    private ContainerInfo doStart(ContainerSpec spec) {
        starting.add(spec.id());
        try {
            return doStartLocked(spec);
        } finally {
            starting.remove(spec.id());
        }
    }

    private ContainerInfo doStartLocked(ContainerSpec spec) {
        ContainerLayout layout = ContainerLayout.of(settings.stateDir(), spec.id());
        if (Files.exists(layout.dir()) || runc.exists(spec.id())) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "container " + spec.id() + " already exists");
        }
        parent.ensureCreated();
        try {
            Files.createDirectory(layout.dir());
            Files.setPosixFilePermissions(layout.dir(), PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot create " + layout.dir() + ": " + e.getMessage(), e);
        }
        try {
            ContainerRecord record = ContainerRecord.created(spec.id(), image(spec), spec.command(), spec.annotations(),
                    Instant.now());
            remember(layout, record);
            if (settings.diskPerJob().value() > 0) {
                JobDisk.create(layout, settings.diskPerJob().value());
            }
            bundleWriter(spec.id()).write(layout, spec);
            ConmonMonitor.Created created = conmon.create(layout, settings.logPerJob().value());
            // Read the start times while both certainly live (the init waits on runc's exec fifo).
            record = record.started(null, created.containerPid(), ProcessStat.startTicksOf(created.containerPid()),
                    created.conmonPid(), ProcessStat.startTicksOf(created.conmonPid()));
            // Taken before `runc start`: a short job can end (and conmon stamp its exit) before the command returns.
            Instant startedAt = Instant.now();
            runc.start(spec.id());
            record = record.started(startedAt, record.containerPid(), record.containerStartTicks(),
                    record.conmonPid(), record.conmonStartTicks());
            remember(layout, record);
            return inspector.inspect(layout, record);
        } catch (RuntimeException e) {
            GleanException failure = e instanceof GleanException g ? g
                    : new GleanException(ErrorCode.RUNTIME_ERROR, "cannot start " + spec.id() + ": " + e.getMessage(), e);
            try {
                discard(layout);
            } catch (RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    private OciBundleWriter bundleWriter(String id) {
        CgroupHost cg = settings.cgroups();
        boolean swap = cg.mode() == CgroupHost.Mode.V1
                ? Files.exists(cg.v1Root("memory").resolve("memory.memsw.limit_in_bytes"))
                : Files.exists(cg.root().resolve(cg.parent()).resolve("memory.swap.max"));
        return new OciBundleWriter(new OciBundleWriter.Options(settings.hostUidBase(), settings.uidCount(),
                cg.containerCgroupPath(id), swap, HostProbe.nofileLimit(), Path.of("/")));
    }

    /** Every container in stateDir, from files only (see {@link ContainerInspector}); no process is spawned. */
    @Override
    public List<ContainerInfo> list() {
        return guarded(() -> {
            List<ContainerInfo> result = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(settings.stateDir())) {
                for (Path dir : dirs) {
                    String id = dir.getFileName().toString();
                    if (!ID.matcher(id).matches()) {
                        continue;
                    }
                    ContainerLayout layout = ContainerLayout.of(settings.stateDir(), id);
                    if (starting.contains(id)) {
                        ContainerRecord r = records.get(id);
                        result.add(new ContainerInfo(id, ContainerPhase.CREATED, null, null, null, 0, "starting",
                                r == null ? Map.of() : r.annotations()));
                        continue;
                    }
                    try {
                        Optional<ContainerRecord> record = record(layout);
                        if (record.isPresent()) {
                            result.add(inspector.inspect(layout, record.get()));
                        }
                    } catch (GleanException e) {
                        // One damaged directory must not hide the others; listed as ended so it can be removed.
                        result.add(new ContainerInfo(id, ContainerPhase.EXITED, null, null, null, 0,
                                "unreadable state: " + e.getMessage(), Map.of()));
                    }
                }
            } catch (NoSuchFileException e) {
                return List.of();
            } catch (IOException e) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot list " + settings.stateDir() + ": " + e.getMessage(), e);
            }
            result.sort(Comparator.comparing((ContainerInfo i) -> createdAt(i.id())).thenComparing(ContainerInfo::id));
            return List.copyOf(result);
        });
    }

    private Instant createdAt(String id) {
        ContainerRecord r = records.get(id);
        return r == null || r.createdAt() == null ? Instant.EPOCH : r.createdAt();
    }

    /**
     * TERM to the container's init, KILL to all its processes after {@code grace} (null: the default grace; zero:
     * KILL at once). Returns when conmon has recorded the exit. A no-op for an ended or unknown container.
     */
    @Override
    public void stop(String id, Duration grace) {
        guarded(() -> {
            requireId(id);
            return withLock(id, () -> {
                doStop(id, grace == null ? settings.defaultStopGrace() : grace);
                return null;
            });
        });
    }

    private void doStop(String id, Duration grace) {
        ContainerLayout layout = ContainerLayout.of(settings.stateDir(), id);
        Optional<ContainerRecord> known = record(layout);
        if (known.isEmpty()) {
            // Nothing of glean's is left (removed already, or never started): nothing to stop. Should runc
            // still hold a container of that name, end it anyway.
            if (runc.exists(id)) {
                runc.kill(id, "KILL", true);
            }
            return;
        }
        ContainerRecord record = known.get();
        if (ended(layout, record)) {
            return;
        }
        try {
            new ContainerCgroup(settings.cgroups(), id).thaw(); // a frozen process takes no signal
        } catch (GleanException e) {
            // Not fatal: KILL through runc still ends it (runc thaws its own v1 freezer for --all).
        }
        if (!grace.isZero() && !grace.isNegative()) {
            runc.kill(id, "TERM", false);
            if (awaitEnd(layout, record, grace)) {
                return;
            }
        }
        killOutsideIdleClass(id);
        HostCommand.Result kill = runc.kill(id, "KILL", true);
        if (!awaitEnd(layout, record, KILL_WAIT)) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "container " + id + " did not end within "
                    + KILL_WAIT.toSeconds() + " s of KILL" + (kill.ok() ? "" : ": " + RuncMessage.oneLine(kill.output())));
        }
    }

    /**
     * KILLs the container's processes, then moves them out of the idle class, so they get the CPU to free their
     * memory as they exit (see {@link ContainerCgroup#releaseCpu}). Not fatal when it fails: runc's KILL still ends
     * them, only more slowly on a busy host.
     */
    private void killOutsideIdleClass(String id) {
        try {
            ContainerCgroup cgroup = new ContainerCgroup(settings.cgroups(), id);
            List<Long> killed = new ArrayList<>();
            for (long pid : cgroup.pids()) {
                if (ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                    killed.add(pid);
                }
            }
            cgroup.releaseCpu(killed);
        } catch (GleanException e) {
            // see above
        }
    }

    /** Ended: conmon wrote the exit file, or (monitor gone) the init is gone too. */
    private boolean ended(ContainerLayout layout, ContainerRecord record) {
        if (Files.exists(layout.exitFile())) {
            return true;
        }
        if (ConmonMonitor.alive(layout, record)) {
            return false;
        }
        int pid = record.containerPid() > 0 ? record.containerPid()
                : ConmonMonitor.readPid(layout.containerPidFile()).orElse(0);
        return !ProcessStat.alive(pid, record.containerPid() > 0 ? record.containerStartTicks() : 0);
    }

    private boolean awaitEnd(ContainerLayout layout, ContainerRecord record, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 1;
        while (!ended(layout, record)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            sleep(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 20);
        }
        return true;
    }

    /**
     * Deletes the container: runc's state ({@code runc delete --force}, which also kills it if it still runs),
     * its cgroups in every hierarchy, its directory with bundle, work dir and log. Idempotent.
     */
    @Override
    public void remove(String id) {
        guarded(() -> {
            requireId(id);
            withLock(id, () -> {
                discard(ContainerLayout.of(settings.stateDir(), id));
                records.remove(id);
                return null;
            });
            locks.remove(id); // ids are never reused, so the lock is not needed again
            return null;
        });
    }

    /** Deletes whatever exists of a container: runc state (killing what runs), monitor, cgroups, directory. */
    private void discard(ContainerLayout layout) {
        String id = layout.id();
        GleanException failure = null;
        try {
            if (runc.exists(id)) {
                killOutsideIdleClass(id);
                runc.deleteForce(id);
            }
        } catch (GleanException e) {
            failure = e;
        }
        // conmon writes the exit file and its OOM marker into the directory as it ends: let it finish first.
        Optional<ContainerRecord> record = record(layout);
        ContainerRecord r = record.orElse(ContainerRecord.created(id, "", List.of(), Map.of(), null));
        long deadline = System.nanoTime() + MONITOR_END_WAIT.toNanos();
        while (ConmonMonitor.alive(layout, r) && System.nanoTime() < deadline) {
            sleep(2);
        }
        try {
            cleaner.removeContainer(id);
        } catch (GleanException e) {
            failure = add(failure, e);
        }
        if (failure == null) {
            try {
                JobDisk.release(layout);
            } catch (GleanException e) {
                failure = e;
            }
        }
        if (failure != null) {
            // Keep the directory: without it the container would vanish from list() while runc state, cgroups or
            // its disk remain, and nobody would retry. The next remove() tries again.
            throw failure;
        }
        try {
            deleteTree(layout.dir());
        } catch (GleanException e) {
            failure = add(failure, e);
        }
        records.remove(id);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public long logSize(String id) {
        return guarded(() -> {
            requireId(id);
            try {
                return Files.size(ContainerLayout.of(settings.stateDir(), id).log());
            } catch (NoSuchFileException e) {
                return 0L;
            } catch (IOException e) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot read the log size of " + id + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public byte[] readLog(String id, long offset, int max) {
        return guarded(() -> {
            requireId(id);
            if (offset < 0 || max < 0) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "log offset and size must not be negative");
            }
            ContainerLayout layout = ContainerLayout.of(settings.stateDir(), id);
            if (!Files.isDirectory(layout.dir())) {
                throw unknown(id);
            }
            try (FileChannel ch = FileChannel.open(layout.log(), StandardOpenOption.READ)) {
                long size = ch.size();
                if (offset >= size || max == 0) {
                    return new byte[0];
                }
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max, size - offset));
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, offset + buf.position());
                    if (n < 0) {
                        break;
                    }
                }
                return buf.position() == buf.capacity() ? buf.array() : java.util.Arrays.copyOf(buf.array(), buf.position());
            } catch (NoSuchFileException e) {
                return new byte[0];
            } catch (IOException e) {
                throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot read the log of " + id + ": " + e.getMessage(), e);
            }
        });
    }

    // ---- helpers ----

    private Optional<ContainerRecord> record(ContainerLayout layout) {
        ContainerRecord cached = records.get(layout.id());
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<ContainerRecord> read = ContainerRecordFile.read(layout);
        read.ifPresent(r -> records.putIfAbsent(layout.id(), r));
        return read;
    }

    private void remember(ContainerLayout layout, ContainerRecord record) {
        ContainerRecordFile.write(layout, record);
        records.put(layout.id(), record);
    }

    private static void validate(ContainerSpec spec) {
        if (spec == null) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "no container spec");
        }
        requireId(spec.id());
        if (!image(spec).equals(OciBundleWriter.HOST_IMAGE)) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "image '" + spec.image() + "' is not supported (only '"
                    + OciBundleWriter.HOST_IMAGE + "')");
        }
        if (spec.command().isEmpty()) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "container " + spec.id() + " has no command");
        }
    }

    private static String image(ContainerSpec spec) {
        return spec.image() == null || spec.image().isBlank() ? OciBundleWriter.HOST_IMAGE : spec.image();
    }

    private static void requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR,
                    "invalid container id '" + id + "' (letters, digits, '_', '.', '-'; at most 63; starting with a letter or digit)");
        }
    }

    private static GleanException unknown(String id) {
        return new GleanException(ErrorCode.RUNTIME_ERROR, "no container " + id);
    }

    private <T> T withLock(String id, Supplier<T> action) {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** Nothing but GleanException leaves the port. */
    private static <T> T guarded(Supplier<T> action) {
        try {
            return action.get();
        } catch (GleanException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, String.valueOf(e.getMessage()), e);
        }
    }

    private static GleanException add(GleanException first, GleanException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                        if (exc instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        throw exc;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                        if (exc != null && !(exc instanceof NoSuchFileException)) {
                            throw exc;
                        }
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                last = e;
                sleep(20);
            }
        }
        throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot delete " + dir + ": " + last.getMessage(), last);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "interrupted", e);
        }
    }
}
