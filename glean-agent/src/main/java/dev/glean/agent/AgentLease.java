package dev.glean.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;

/**
 * The agent's lease on its containers. It runs from when the agent SENT the request the controller answered
 * (never from when the answer arrived), so the agent's view always ends before the controller's. Inside the
 * process it is judged on the monotonic clock (a wall clock stepping back must not stretch it); its end is also
 * kept on disk as wall-clock time, so a restarted agent keeps adopted containers only while the old lease holds.
 */
public final class AgentLease {
    private final Path file;
    private final Clock clock;
    private volatile long validUntilMillis;
    private volatile long persistedMillis;
    /** Monotonic deadline once renewed in this process; until then the restored wall-clock end applies. */
    private volatile long validUntilNanos;
    private volatile boolean renewedHere;

    public AgentLease(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        long restored = 0;
        try {
            if (Files.exists(file)) {
                restored = Long.parseLong(Files.readString(file).trim());
            }
        } catch (IOException | NumberFormatException e) {
            restored = 0;
        }
        this.validUntilMillis = restored;
        this.persistedMillis = restored;
    }

    public synchronized void renew(long sentAtNanos, long sentAtMillis, long leaseMillis) {
        long untilNanos = sentAtNanos + leaseMillis * 1_000_000;
        if (!renewedHere || untilNanos - validUntilNanos > 0) {
            validUntilNanos = untilNanos;
            renewedHere = true;
        }
        long until = sentAtMillis + leaseMillis;
        if (until > validUntilMillis) {
            validUntilMillis = until;
        }
        if (validUntilMillis - persistedMillis >= 1000) {
            persist();
        }
    }

    public boolean valid() {
        if (renewedHere) {
            return System.nanoTime() - validUntilNanos < 0;
        }
        return clock.millis() < validUntilMillis;
    }

    /** Milliseconds since the lease ended (negative while it holds), on the same clocks as {@link #valid}. */
    public long millisPastEnd() {
        if (renewedHere) {
            return Math.floorDiv(System.nanoTime() - validUntilNanos, 1_000_000L);
        }
        return clock.millis() - validUntilMillis;
    }

    public long validUntilMillis() {
        return validUntilMillis;
    }

    private void persist() {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(validUntilMillis));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            persistedMillis = validUntilMillis;
        } catch (IOException e) {
            // Not fatal: a restart then finds an older lease and stops containers sooner, which is safe.
        }
    }
}
