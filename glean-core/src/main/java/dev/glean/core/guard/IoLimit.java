package dev.glean.core.guard;

/**
 * Throttles on one block device for all secondaries together, per second. The kernel's throttles (v1
 * blkio.throttle.*, v2 io.max) are absolute: the node cannot give secondaries a low io weight here (HOST-FACTS:
 * no blkio.weight under mq-deadline), so taking io back means capping it.
 */
public record IoLimit(long readBps, long writeBps, long readIops, long writeIops) {
    public IoLimit {
        if (readBps < 1 || writeBps < 1 || readIops < 1 || writeIops < 1) {
            throw new IllegalArgumentException("io limits must be positive: " + readBps + " " + writeBps + " " + readIops
                    + " " + writeIops);
        }
    }

    /** Half of each limit, but never below the floors. */
    public IoLimit halved(long minBps, long minIops) {
        return new IoLimit(Math.max(minBps, readBps / 2), Math.max(minBps, writeBps / 2), Math.max(minIops, readIops / 2),
                Math.max(minIops, writeIops / 2));
    }
}
