package dev.glean.agent;

/**
 * A named daemon platform thread that runs an owner's loop until closed: started at most once, the loop checks
 * {@link #running()}; close clears it and interrupts (a loop asleep between ticks wakes at once), then waits up to 2 s.
 * The guard's tick and the lease enforcer each run on one.
 */
public final class LoopThread implements AutoCloseable {
    private final String name;
    private final Runnable loop;
    private volatile boolean running;
    private Thread thread;

    public LoopThread(String name, Runnable loop) {
        this.name = name;
        this.loop = loop;
    }

    /** Starts the thread unless it runs (on v1 a thread starts in its creator's CPU cgroup: start it from there). */
    public synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name(name).daemon(true).start(loop);
        }
    }

    /** False once closed: the loop returns. */
    public boolean running() {
        return running;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
