package dev.glean.agent.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The state and start time of a host process from /proc/PID/stat. A pid with its start time names one
 * process for good: pids are recycled, start times are not. Zombies count as ended (an orphaned monitor may
 * stay a zombie for a while when the host's pid 1 reaps lazily).
 */
record ProcessStat(int pid, char state, long startTicks) {

    static Optional<ProcessStat> of(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Optional.of(new ProcessStat(pid, fields[0].charAt(0), Long.parseLong(fields[19])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** True while the process {@code pid} that started at {@code startTicks} (0: unknown, trust the pid) runs. */
    static boolean alive(int pid, long startTicks) {
        return of(pid).filter(s -> s.state != 'Z' && s.state != 'X')
                .filter(s -> startTicks == 0 || s.startTicks == startTicks)
                .isPresent();
    }

    static long startTicksOf(int pid) {
        return of(pid).map(ProcessStat::startTicks).orElse(0L);
    }
}
