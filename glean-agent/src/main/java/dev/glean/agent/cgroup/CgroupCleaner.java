package dev.glean.agent.cgroup;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes cgroup directories in every hierarchy. {@code runc delete} removes a container's leaf only in the
 * hierarchies it knows and leaves the directories above it; this removes the leaf (and anything below it)
 * everywhere, then the emptied directories between the leaf and glean's parent, never the parent itself
 * (that one belongs to {@link ParentCgroup}) unless asked with {@link #removeParent()}.
 *
 * <p>A cgroup can be removed only once its last task has left, which the kernel finishes shortly after the
 * processes were killed: busy directories are retried for up to {@link #BUSY_WAIT_MS} ms.
 */
public final class CgroupCleaner {
    static final long BUSY_WAIT_MS = 2_000;

    private final CgroupHost host;

    public CgroupCleaner(CgroupHost host) {
        this.host = host;
    }

    /** Removes one container's cgroups in every hierarchy. Idempotent. */
    public void removeContainer(String containerId) {
        GleanException failure = null;
        for (Path hierarchy : host.hierarchies()) {
            Path parentDir = hierarchy.resolve(host.parent());
            Path leaf = host.containerDir(hierarchy, containerId);
            try {
                removeTree(leaf);
                for (Path p = leaf.getParent(); p != null && p.startsWith(parentDir) && !p.equals(parentDir);
                        p = p.getParent()) {
                    if (!removeIfEmpty(p)) {
                        break;
                    }
                }
            } catch (GleanException e) {
                failure = add(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Removes glean's parent cgroup and everything below it in every hierarchy (uninstall, tests). */
    public void removeParent() {
        GleanException failure = null;
        for (Path hierarchy : host.hierarchies()) {
            try {
                removeTree(hierarchy.resolve(host.parent()));
            } catch (GleanException e) {
                failure = add(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static GleanException add(GleanException first, GleanException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Depth first: a cgroup directory holds only kernel files and child cgroups, and rmdir takes it whole. */
    private static void removeTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        for (Path child : subdirectories(dir)) {
            removeTree(child);
        }
        rmdir(dir);
    }

    private static boolean removeIfEmpty(Path dir) {
        if (!Files.isDirectory(dir) || !subdirectories(dir).isEmpty()) {
            return false;
        }
        rmdir(dir);
        return true;
    }

    private static List<Path> subdirectories(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot list cgroup " + dir + ": " + CgroupFile.reason(e), e);
        }
    }

    private static void rmdir(Path dir) {
        long deadline = System.nanoTime() + BUSY_WAIT_MS * 1_000_000;
        long pause = 1;
        while (true) {
            try {
                Files.delete(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                boolean busy = e instanceof FileSystemException fse && fse.getReason() != null
                        && fse.getReason().contains("busy");
                if (!busy || System.nanoTime() > deadline) {
                    throw new GleanException(ErrorCode.RUNTIME_ERROR, "cannot remove cgroup " + dir + ": "
                            + CgroupFile.reason(e) + (busy ? " (processes are still in it: " + tasks(dir) + ")" : ""), e);
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new GleanException(ErrorCode.RUNTIME_ERROR, "interrupted while removing cgroup " + dir, ie);
                }
                pause = Math.min(pause * 2, 50);
            }
        }
    }

    private static String tasks(Path dir) {
        String procs = CgroupFile.of(dir, "cgroup.procs").read().replace('\n', ' ');
        return procs.isEmpty() ? "none listed" : "pids " + procs;
    }
}
