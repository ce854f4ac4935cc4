package dev.glean.agent.runtime;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a short host command (runc) with a clean environment, stdin from /dev/null and a time limit. */
final class HostCommand {
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private HostCommand() {}

    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    static Result run(List<String> command, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        cleanEnvironment(pb.environment());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> output = readAll(p.getInputStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new GleanException(ErrorCode.RUNTIME_ERROR,
                        String.join(" ", command) + " did not finish within " + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), output.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "interrupted while running " + command.get(0), e);
        } catch (ExecutionException | TimeoutException e) {
            return new Result(p.exitValue(), "");
        }
    }

    static void cleanEnvironment(Map<String, String> env) {
        env.clear();
        env.put("PATH", PATH);
    }

    private static CompletableFuture<String> readAll(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        return f;
    }
}
