package dev.glean.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts a container's monitor, Debian's conmon (the one podman and CRI-O use), and reads what it leaves
 * behind. conmon runs {@code runc create}, keeps the container's stdout and stderr in a CRI-format log,
 * waits for the container's init as a subreaper and writes its exit status (128+signal for a signal, like a
 * shell) to {@code exit/<id>}. It double-forks and calls setsid, so it survives the agent; it stays in the
 * caller's cgroups, outside the container's.
 *
 * <p>How it is driven, found out on conmon 2.1.6:
 * <ul>
 *   <li>Without {@code --sync} the process we start exits at once (after writing --conmon-pidfile) while its
 *   daemon child runs create; nothing tells when create is done, except the sync pipe: conmon writes
 *   {@code {"data": PID}} (or {@code {"data": -1, "message": "<runc's stderr>"}}) to the fd named by
 *   {@code _OCI_SYNCPIPE}. Java cannot hand a child an fd 3, so {@code /bin/sh} does (see {@link #RELAY}).
 *   conmon sets it close-on-exec, so neither runc nor the container inherit it.</li>
 *   <li>{@code _OCI_STARTPIPE} is not needed: it only makes conmon wait until its parent moved it to a cgroup.</li>
 *   <li>conmon then waits for {@code runc start} from us (the container sits in runc init on its exec fifo).</li>
 *   <li>{@code --socket-dir-path} must exist (conmon links {@code <dir>/<uuid>} to the bundle for its attach
 *   socket) or conmon dies silently before create. It is created in the container's directory.</li>
 *   <li>conmon writes its OOM marker file {@code oom} into its working directory: the container's directory.</li>
 *   <li>It tries to set its own oom_score_adj to -1000, which fails (harmlessly) where root lacks
 *   CAP_SYS_RESOURCE; the warning goes to conmon.err.</li>
 * </ul>
 */
final class ConmonMonitor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);
    /**
     * conmon gets fd 3 (its sync pipe) as a pipe into a subshell of sh that relays the first line, the
     * create result, to our stdout and ends. So the process we wait for lives exactly until conmon has
     * answered (or died: then the pipe closes and the line is empty). Our own stdout pipe cannot be the sync
     * pipe itself: the first conmon exits at once, and the JDK then drains and closes that pipe's read end.
     */
    static final String RELAY = "\"$@\" 3>&1 1>/dev/null | { IFS= read -r line; printf '%s\\n' \"$line\"; }";

    private final Path conmon;
    private final RuncCommand runc;

    ConmonMonitor(Path conmon, RuncCommand runc) {
        this.conmon = conmon;
        this.runc = runc;
    }

    /** The pids of a created container's init and of its monitor. */
    record Created(int containerPid, int conmonPid) {}

    /** How a container ended: its exit code (null if conmon could not tell) and when the exit file was written. */
    record Exit(Integer code, Instant at) {}

    /**
     * Runs conmon, which runs {@code runc create}; returns once the container exists (not yet started).
     * {@code logMax} > 0 bounds the log file: past it conmon starts the file afresh (--log-size-max).
     */
    Created create(ContainerLayout layout, long logMax) {
        mkdirs(layout.exitDir());
        mkdirs(layout.socketDir());
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", RELAY, "sh", conmon.toString(),
                "--api-version", "1",
                "--cid", layout.id(),
                "--cuuid", layout.id(),
                "--name", layout.id(),
                "--runtime", runc.binary().toString(),
                "--runtime-arg", "--root=" + runc.root(),
                "--bundle", layout.dir().toString(),
                "--container-pidfile", layout.containerPidFile().toString(),
                "--conmon-pidfile", layout.conmonPidFile().toString(),
                "--exit-dir", layout.exitDir().toString(),
                "--log-path", "k8s-file:" + layout.log(),
                "--socket-dir-path", layout.socketDir().toString(),
                "--log-level", "warning"));
        if (logMax > 0) {
            cmd.addAll(List.of("--log-size-max", Long.toString(logMax)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(layout.dir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(layout.conmonErr().toFile()));
        HostCommand.cleanEnvironment(pb.environment());
        pb.environment().put("_OCI_SYNCPIPE", "3");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot run " + conmon + ": " + e.getMessage(), e);
        }
        String line;
        try (InputStream out = p.getInputStream()) {
            if (!p.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                readPid(layout.conmonPidFile()).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new GleanException(ErrorCode.RUNTIME_ERROR,
                        "conmon did not report container " + layout.id() + " created within " + CREATE_TIMEOUT.toSeconds() + " s");
            }
            line = new String(out.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "interrupted while creating container " + layout.id(), e);
        } catch (IOException e) {
            line = null;
        }
        int pid = parseSync(layout, line);
        int conmonPid = readPid(layout.conmonPidFile()).orElse(0);
        return new Created(pid, conmonPid);
    }

    private static int parseSync(ContainerLayout layout, String line) {
        if (line == null || line.isBlank()) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "conmon ended before creating container " + layout.id()
                    + ": " + firstLineOf(layout.conmonErr()).orElse("no message (see " + layout.conmonErr() + ")"));
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(line);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "conmon sent an unexpected message: " + line);
        }
        int data = msg.path("data").asInt(-1);
        if (data <= 0) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot create container " + layout.id() + ": "
                    + RuncMessage.oneLine(msg.path("message").asText("")));
        }
        return data;
    }

    /** The exit status conmon recorded, if the container has ended. */
    static Optional<Exit> exit(ContainerLayout layout) {
        Path f = layout.exitFile();
        if (!Files.exists(f)) {
            // The common case (a running container), listed ten times a second: a stat instead of a thrown
            // NoSuchFileException. A file written between the two looks is seen at the next listing.
            return Optional.empty();
        }
        try {
            String text = Files.readString(f, StandardCharsets.US_ASCII).trim();
            Instant at = Files.getLastModifiedTime(f).toInstant();
            Integer code;
            try {
                int c = Integer.parseInt(text);
                code = c >= 0 ? c : null;
            } catch (NumberFormatException e) {
                code = null;
            }
            return Optional.of(new Exit(code, at));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the monitor of a container still runs (it writes the exit file last, then ends). */
    static boolean alive(ContainerLayout layout, ContainerRecord record) {
        if (record.conmonPid() > 0) {
            return ProcessStat.alive(record.conmonPid(), record.conmonStartTicks());
        }
        return readPid(layout.conmonPidFile()).map(pid -> ProcessStat.alive(pid, 0)).orElse(false);
    }

    static Optional<Integer> readPid(Path file) {
        try {
            return Optional.of(Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> firstLineOf(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).findFirst()
                    .map(String::trim);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
