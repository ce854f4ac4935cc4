package dev.glean.agent;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A tiny shell process per node that kills every secondary once the agent's lease has run out by more than
 * {@code slack} — the case where the agent itself is dead or stuck and cannot stop them. Containers outlive
 * the agent (so a restart adopts them), and this is what keeps that from ever letting a job run twice: the
 * controller gives a lost node's tasks to others only after lease + grace, and grace is longer than slack.
 * It marks each container it kills, so the agent can report "lease expired" rather than a failure.
 */
public final class LeaseWatchdog {
    static final String MARKER = "glean-lease-watchdog";

    private LeaseWatchdog() {}

    /**
     * bash, and no process forked while the lease holds: the file read, the clock ($EPOCHREALTIME) and the one-second
     * wait (a read with a timeout on a FIFO no one writes) are builtins. A loop of sleep, cat and date cost 1.8 % of a
     * core here, beside the incumbents it protects, every second of every day. runc runs only once the lease is over.
     */
    private static final String SCRIPT = """
            #!/bin/bash
            # %s: kills secondaries whose agent lease ran out. Args: lease-file runc runc-root marks-dir slack-ms
            lease="$1"; runc="$2"; root="$3"; marks="$4"; slack="$5"
            tick="${marks%%/*}/lease-watchdog.tick"
            [ -p "$tick" ] || { rm -f "$tick"; mkfifo "$tick"; }
            exec 3<>"$tick"
            while [ -d "$marks" ]; do
                read -r -t 1 -u 3 _
                until=0
                read -r until < "$lease" 2>/dev/null
                case "$until" in ''|*[!0-9]*) until=0 ;; esac
                now=${EPOCHREALTIME/./}
                now=$((now / 1000))
                [ "$now" -gt $((until + slack)) ] || continue
                for id in $("$runc" --root "$root" list -q 2>/dev/null); do
                    if "$runc" --root "$root" state "$id" 2>/dev/null | grep -q '"status": *"\\(running\\|paused\\|created\\)"'; then
                        : > "$marks/$id"
                        "$runc" --root "$root" resume "$id" >/dev/null 2>&1
                        "$runc" --root "$root" kill --all "$id" KILL >/dev/null 2>&1
                    fi
                done
            done
            """.formatted(MARKER);

    /** Starts the watchdog for this state directory unless one already runs; returns its pid. */
    public static long ensureRunning(Path stateDir, Path leaseFile, Path runc, Path runcRoot, Duration slack) {
        try {
            Path marks = marksDir(stateDir);
            Files.createDirectories(marks);
            Optional<ProcessHandle> running = running(stateDir);
            if (running.isPresent()) {
                return running.get().pid();
            }
            Path script = stateDir.resolve("lease-watchdog.sh");
            Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
            Path pidFile = stateDir.resolve("lease-watchdog.pid");
            // setsid: its own session, so it outlives the agent and a terminal's hangup.
            Process p = new ProcessBuilder(List.of("setsid", "sh", "-c", "echo $$ > \"$0\"; exec bash \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\"",
                    pidFile.toString(), script.toString(), leaseFile.toString(), runc.toString(), runcRoot.toString(), marks.toString(),
                    Long.toString(slack.toMillis())))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return p.pid();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot start the lease watchdog: " + e.getMessage());
        }
    }

    /** Ends this state directory's watchdog (tests, and uninstall); containers are left alone. */
    public static void stop(Path stateDir) {
        running(stateDir).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
    }

    public static Optional<ProcessHandle> running(Path stateDir) {
        Path pidFile = stateDir.resolve("lease-watchdog.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            // The pid may have been reused: it is ours only if it runs our script for this state directory.
            Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
            if (h.isPresent() && Files.exists(cmdline)) {
                String cmd = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                if (cmd.contains(stateDir.resolve("lease-watchdog.sh").toString())) {
                    return h;
                }
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the watchdog killed this container (then the agent reports it as stopped for the lease). */
    public static boolean killed(Path stateDir, String containerId) {
        return Files.exists(marksDir(stateDir).resolve(containerId));
    }

    /** Marks a container as stopped for the lease (by the agent itself); survives an agent restart. */
    public static void mark(Path stateDir, String containerId) {
        try {
            Files.createDirectories(marksDir(stateDir));
            Files.writeString(marksDir(stateDir).resolve(containerId), "");
        } catch (IOException e) {
            // without the mark the exit reads as a failure: a retry is spent, nothing runs twice
        }
    }

    public static void forget(Path stateDir, String containerId) {
        try {
            Files.deleteIfExists(marksDir(stateDir).resolve(containerId));
        } catch (IOException e) {
            // harmless: a stale mark only matters for a container with the same id, which is never reused
        }
    }

    private static Path marksDir(Path stateDir) {
        return stateDir.resolve("lease-stopped");
    }
}
