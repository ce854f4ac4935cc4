package dev.glean.controller;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Version counters that waiters can block on: one for the whole controller (jobs changed) and one per node
 * (its desired state changed), so a long-polling agent wakes only for its own node.
 */
public final class ChangeFeed {
    private final Counter global = new Counter();
    private final ConcurrentHashMap<String, Counter> nodes = new ConcurrentHashMap<>();

    public long version() {
        return global.value();
    }

    public void bump() {
        global.bump();
    }

    public long nodeVersion(String node) {
        return nodes.computeIfAbsent(node, n -> new Counter()).value();
    }

    public void bumpNode(String node) {
        nodes.computeIfAbsent(node, n -> new Counter()).bump();
        global.bump();
    }

    /** Waits until the global version passes {@code seen}; returns the version then. */
    public long awaitChange(long seen, Duration max) throws InterruptedException {
        return global.await(seen, max);
    }

    public long awaitNodeChange(String node, long seen, Duration max) throws InterruptedException {
        return nodes.computeIfAbsent(node, n -> new Counter()).await(seen, max);
    }

    private static final class Counter {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private volatile long value = 1;

        long value() {
            return value;
        }

        void bump() {
            lock.lock();
            try {
                value++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        long await(long seen, Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            lock.lock();
            try {
                while (value <= seen) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    changed.awaitNanos(left);
                }
                return value;
            } finally {
                lock.unlock();
            }
        }
    }
}
