package dev.glean.agent.runtime;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The runc command line, always with glean's own {@code --root} so glean's containers never mix with other
 * users of runc on the host. Creation goes through conmon ({@link ConmonMonitor}); this does the rest.
 */
final class RuncCommand {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path runc;
    private final Path root;

    RuncCommand(Path runc, Path root) {
        this.runc = runc;
        this.root = root;
    }

    Path binary() {
        return runc;
    }

    Path root() {
        return root;
    }

    /** Lets a created container's process exec its command. */
    void start(String id) {
        HostCommand.Result r = run("start", id);
        if (!r.ok()) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "runc start " + id + " failed: " + RuncMessage.oneLine(r.output()));
        }
    }

    /** Sends {@code signal} to the container's init, or to all its processes. Failure is normal for an ended one. */
    HostCommand.Result kill(String id, String signal, boolean all) {
        return all ? run("kill", "--all", id, signal) : run("kill", id, signal);
    }

    /** {@code runc delete --force}: kills what still runs, removes runc's state and the container's cgroups. */
    void deleteForce(String id) {
        HostCommand.Result r = run("delete", "--force", id);
        if (!r.ok() && exists(id)) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "runc delete " + id + " failed: " + RuncMessage.oneLine(r.output()));
        }
    }

    /** Whether runc still has state for the container (a cheap directory check, no process spawned). */
    boolean exists(String id) {
        return Files.isDirectory(root.resolve(id));
    }

    /** True between create and start: runc's init waits on this fifo until {@code runc start} opens it. */
    boolean isCreatedNotStarted(String id) {
        return Files.exists(root.resolve(id).resolve("exec.fifo"));
    }

    private HostCommand.Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(runc.toString());
        cmd.add("--root");
        cmd.add(root.toString());
        cmd.addAll(List.of(args));
        return HostCommand.run(cmd, TIMEOUT);
    }
}
