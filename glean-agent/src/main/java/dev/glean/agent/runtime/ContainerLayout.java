package dev.glean.agent.runtime;

import java.nio.file.Path;

/**
 * Where one container's files live: everything under {@code stateDir/<id>/}, so removing a container is
 * removing one directory.
 *
 * <pre>
 * &lt;id&gt;/config.json       the OCI bundle's config (the bundle is this directory)
 * &lt;id&gt;/rootfs/           empty root: mount points and the bin/lib links only
 * &lt;id&gt;/disk/work/  &lt;id&gt;/disk/tmp/   the container's writable /work and /tmp, owned by its root; disk/ is
 *                       the mount point of disk.img when jobs have a disk limit (JobDisk)
 * &lt;id&gt;/container.json    what glean needs to rebuild the container's info (ContainerRecord)
 * &lt;id&gt;/container.log     stdout and stderr in the CRI format, written by conmon
 * &lt;id&gt;/exit/&lt;id&gt;        the exit code, written by conmon when the container ended
 * &lt;id&gt;/oom               created by conmon when the kernel OOM-killed in the container's cgroup
 * &lt;id&gt;/conmon.pid, container.pid, conmon.err, sockets/ (conmon's attach socket link)
 * </pre>
 */
record ContainerLayout(Path dir, String id) {

    static ContainerLayout of(Path stateDir, String id) {
        return new ContainerLayout(stateDir.resolve(id), id);
    }

    Path config() {
        return dir.resolve("config.json");
    }

    Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** The job's writable space: its own filesystem when the job has a disk limit (see {@link JobDisk}), else a directory. */
    Path disk() {
        return dir.resolve("disk");
    }

    /** The sparse image behind {@link #disk()} when the job has a disk limit. */
    Path diskImage() {
        return dir.resolve("disk.img");
    }

    Path work() {
        return disk().resolve("work");
    }

    Path tmp() {
        return disk().resolve("tmp");
    }

    Path record() {
        return dir.resolve("container.json");
    }

    Path log() {
        return dir.resolve("container.log");
    }

    Path exitDir() {
        return dir.resolve("exit");
    }

    /** conmon names the exit file after the container id inside its --exit-dir. */
    Path exitFile() {
        return exitDir().resolve(id);
    }

    /** conmon creates this in its working directory when the container's memory cgroup OOM-killed. */
    Path oomMarker() {
        return dir.resolve("oom");
    }

    Path conmonPidFile() {
        return dir.resolve("conmon.pid");
    }

    Path containerPidFile() {
        return dir.resolve("container.pid");
    }

    Path conmonErr() {
        return dir.resolve("conmon.err");
    }

    Path socketDir() {
        return dir.resolve("sockets");
    }
}
