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

    /** Told once of a change; it runs on the thread that made the change and must not block. */
    public interface Listener {
        void changed();
    }

    /**
     * Tells {@code l} once, when the node's version passes {@code seen}; false (and not registered) when it has
     * already. Without a thread waiting, unlike {@link #awaitNodeChange}: for answers parked on an event loop.
     */
    public boolean listen(String node, long seen, Listener l) {
        return nodes.computeIfAbsent(node, n -> new Counter()).listen(seen, l);
    }

    /** Drops a listener that has not been told yet. */
    public void unlisten(String node, Listener l) {
        Counter c = nodes.get(node);
        if (c != null) {
            c.unlisten(l);
        }
    }

    private static final class Counter {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private volatile long value = 1;
        /** Told at the next bump; guarded by {@code lock}. Usually none or one (the node's parked report). */
        private Listener one;
        private java.util.List<Listener> more;

        long value() {
            return value;
        }

        void bump() {
            Listener first;
            java.util.List<Listener> rest;
            lock.lock();
            try {
                value++;
                changed.signalAll();
                first = one;
                rest = more;
                one = null;
                more = null;
            } finally {
                lock.unlock();
            }
            if (first != null) {
                first.changed();
            }
            if (rest != null) {
                rest.forEach(Listener::changed);
            }
        }

        boolean listen(long seen, Listener l) {
            lock.lock();
            try {
                if (value > seen) {
                    return false;
                }
                if (one == null) {
                    one = l;
                } else {
                    if (more == null) {
                        more = new java.util.ArrayList<>(2);
                    }
                    more.add(l);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void unlisten(Listener l) {
            lock.lock();
            try {
                if (one == l) {
                    one = null;
                } else if (more != null) {
                    more.remove(l);
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
