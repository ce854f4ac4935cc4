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

    /**
     * Runs {@code onChange} once, when the node's version passes {@code seen} (at once, on this thread, if it has),
     * else on the thread that bumps it: it must not block. Without a thread waiting, unlike {@link #awaitNodeChange}:
     * for answers parked on an event loop. The returned handle drops the listener if it has not run yet.
     */
    public Runnable onNodeChange(String node, long seen, Runnable onChange) {
        Counter c = nodes.computeIfAbsent(node, n -> new Counter());
        if (!c.listen(seen, onChange)) {
            onChange.run();
            return () -> { };
        }
        return () -> c.unlisten(onChange);
    }

    private static final class Counter {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private volatile long value = 1;
        /** Run once at the next bump; guarded by {@code lock}. Usually empty or one (a node's parked report). */
        private java.util.List<Runnable> listeners;

        long value() {
            return value;
        }

        void bump() {
            java.util.List<Runnable> run;
            lock.lock();
            try {
                value++;
                changed.signalAll();
                run = listeners;
                listeners = null;
            } finally {
                lock.unlock();
            }
            if (run != null) {
                run.forEach(Runnable::run);
            }
        }

        /** Adds a listener for the next bump; false (and not added) when the value has passed {@code seen} already. */
        boolean listen(long seen, Runnable r) {
            lock.lock();
            try {
                if (value > seen) {
                    return false;
                }
                if (listeners == null) {
                    listeners = new java.util.ArrayList<>(2);
                }
                listeners.add(r);
                return true;
            } finally {
                lock.unlock();
            }
        }

        void unlisten(Runnable r) {
            lock.lock();
            try {
                if (listeners != null) {
                    listeners.remove(r);
                }
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
