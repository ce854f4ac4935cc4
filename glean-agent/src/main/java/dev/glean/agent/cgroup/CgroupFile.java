package dev.glean.agent.cgroup;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One control file of a cgroup (cpu.idle, memory.limit_in_bytes, ...). A write is one write(2) to the existing
 * file (never created; O_TRUNC as a shell's {@code echo >} does, which cgroupfs ignores); failures become RUNTIME_ERROR naming the file and the kernel's
 * reason ("Device or resource busy" when a memory limit is below what cannot be reclaimed).
 */
public record CgroupFile(Path path) {

    public static CgroupFile of(Path dir, String name) {
        return new CgroupFile(dir.resolve(name));
    }

    public boolean exists() {
        return Files.exists(path);
    }

    /** The trimmed content, or "" if the file does not exist or cannot be read. */
    public String read() {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** The content as a number; {@code fallback} if absent or not a number ("max" included). */
    public long readLong(long fallback) {
        String v = read();
        try {
            return v.isEmpty() ? fallback : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    public void write(String value) {
        try {
            Files.write(path, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR,
                    "cannot write '" + value + "' to " + path + ": " + reason(e), e);
        }
    }

    /** The kernel's reason for a failed file operation, without Java's decoration. */
    static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
