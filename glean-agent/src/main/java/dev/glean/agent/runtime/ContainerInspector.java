package dev.glean.agent.runtime;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.cgroup.ContainerCgroup;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Tells a container's phase from files alone, without spawning runc: conmon's exit file (ended, with the
 * code), the liveness of the recorded init pid (checked against its start time), runc's exec fifo (created,
 * not started) and the freezers (paused). A listing of many containers stays in the microseconds.
 */
final class ContainerInspector {
    private final RuncCommand runc;
    private final CgroupHost cgroups;

    ContainerInspector(RuncCommand runc, CgroupHost cgroups) {
        this.runc = runc;
        this.cgroups = cgroups;
    }

    ContainerInfo inspect(ContainerLayout layout, ContainerRecord record) {
        Optional<ConmonMonitor.Exit> exit = ConmonMonitor.exit(layout);
        if (exit.isPresent()) {
            return ended(layout, record, exit.get());
        }
        int pid = record.containerPid() > 0 ? record.containerPid()
                : ConmonMonitor.readPid(layout.containerPidFile()).orElse(0);
        if (pid > 0 && ProcessStat.alive(pid, record.containerPid() > 0 ? record.containerStartTicks() : 0)) {
            ContainerPhase phase;
            if (runc.isCreatedNotStarted(layout.id())) {
                phase = ContainerPhase.CREATED;
            } else if (new ContainerCgroup(cgroups, layout.id()).isFrozen()) {
                phase = ContainerPhase.PAUSED;
            } else {
                phase = ContainerPhase.RUNNING;
            }
            return info(record, phase, null, null, pid, null);
        }
        if (ConmonMonitor.alive(layout, record)) {
            // Its init is gone, the monitor is still draining the output and about to write the exit file.
            return info(record, record.startedAt() == null ? ContainerPhase.CREATED : ContainerPhase.RUNNING,
                    null, null, 0, "ending");
        }
        exit = ConmonMonitor.exit(layout); // the monitor may have written it and ended since the first look
        if (exit.isPresent()) {
            return ended(layout, record, exit.get());
        }
        return info(record, ContainerPhase.EXITED, null, null, 0,
                "its monitor ended without recording an exit code (killed, or the host rebooted)");
    }

    /** conmon leaves its OOM marker when the kernel OOM-killed any process of the container's memory cgroup. */
    private static ContainerInfo ended(ContainerLayout layout, ContainerRecord record, ConmonMonitor.Exit exit) {
        String detail = null;
        if (Files.exists(layout.oomMarker())) {
            detail = exit.code() != null && exit.code() == 137 ? "oom-killed" : "a process of it was OOM-killed";
        }
        // The exit file's time comes from the kernel's coarse clock (a few ms behind): never before the start.
        java.time.Instant at = exit.at();
        if (at != null && record.startedAt() != null && at.isBefore(record.startedAt())) {
            at = record.startedAt();
        }
        return info(record, ContainerPhase.EXITED, exit.code(), at, 0, detail);
    }

    private static ContainerInfo info(ContainerRecord r, ContainerPhase phase, Integer code,
            java.time.Instant finishedAt, int pid, String detail) {
        return new ContainerInfo(r.id(), phase, code, r.startedAt(), finishedAt, pid, detail, r.annotations());
    }
}
