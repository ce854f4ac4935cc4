package dev.glean.agent.guard;

import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardPolicy;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The node guard's loop: every tick (about 100 ms) one reading, one {@link GuardPolicy} decision, its actions
 * carried out, each reported to the {@link Listener}. It never waits for the controller: a node protects its
 * incumbents even when it is cut off. Evictions go to an {@link Evictor}, which stops the container and reports
 * it evicted.
 *
 * <p>On close the loop stops and leaves the cgroups as they are: a cap or a lowered limit keeps protecting the
 * incumbents while no agent runs, and the next guard's first decision sets the cap again.
 */
public final class NodeGuard implements AutoCloseable {

    /** One action and how it went: {@code error} is null when it was carried out. */
    public record Event(Instant at, GuardAction action, String error) {}

    /** Receives every event; must not block (the guard's next reading waits for it). */
    public interface Listener {
        void onEvent(Event event);

        /** A reading or decision failed; the loop goes on. */
        default void onFailure(String message) {}

        /** Every listener in turn. */
        static Listener all(Listener... listeners) {
            List<Listener> list = List.of(listeners);
            return new Listener() {
                @Override
                public void onEvent(Event event) {
                    list.forEach(l -> l.onEvent(event));
                }

                @Override
                public void onFailure(String message) {
                    list.forEach(l -> l.onFailure(message));
                }
            };
        }
    }

    /** Stops a container for the guard and reports it evicted; must not block (start the stop and return). */
    public interface Evictor {
        void evict(String containerId, String reason);
    }

    private final GuardPolicy policy;
    private final Supplier<GuardReadings> readings;
    private final GuardControls controls;
    private final Evictor evictor;
    private final Listener listener;
    private final Clock clock;
    private GuardState state = GuardState.initial();
    private volatile boolean admitting = true;
    private volatile boolean idle;
    private final dev.glean.agent.LoopThread thread = new dev.glean.agent.LoopThread("glean-guard", this::loop);
    /** With no secondaries there is nothing to cap or evict: read once a second, so an idle agent stays cheap. */
    static final Duration IDLE_TICK = Duration.ofSeconds(1);

    public NodeGuard(GuardPolicy policy, Supplier<GuardReadings> readings, GuardControls controls, Evictor evictor,
            Listener listener, Clock clock) {
        this.policy = policy;
        this.readings = readings;
        this.controls = controls;
        this.evictor = evictor;
        this.listener = listener;
        this.clock = clock;
    }

    /**
     * Starts the loop on a thread of its own. On v1 a thread starts in its creator's CPU cgroup: the agent calls this
     * at normal priority (AgentCpu.atNormalPriority) while the rest of it runs in the idle class.
     */
    public NodeGuard start() {
        thread.start();
        return this;
    }

    /** False between the guard's StopAdmitting and ResumeAdmitting: the node should take no new secondaries. */
    public boolean admitting() {
        return admitting;
    }

    public synchronized GuardState state() {
        return state;
    }

    private void loop() {
        long tick = policy.settings().tick().toNanos();
        long next = System.nanoTime();
        while (thread.running()) {
            try {
                step();
            } catch (RuntimeException e) {
                listener.onFailure("guard: " + e.getMessage());
            }
            // A fixed rate; a slow step (a long cgroup write) skips the ticks it missed rather than bunching them.
            next += idle ? Math.max(tick, IDLE_TICK.toNanos()) : tick;
            long now = System.nanoTime();
            if (next < now) {
                next = now;
            }
            try {
                Thread.sleep(Duration.ofNanos(next - now));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One reading, decision and the actions; public so tests (and a caller without the thread) can drive it. */
    public synchronized List<Event> step() {
        GuardReadings r = readings.get();
        List<String> live = r.secondaries().stream().map(GuardReadings.Secondary::id).toList();
        idle = live.isEmpty();
        controls.containers(live);
        GuardPolicy.Decision d = policy.decide(r, state, clock.instant());
        state = d.state();
        List<Event> events = new ArrayList<>();
        for (GuardAction a : d.actions()) {
            String error = null;
            try {
                apply(a, live);
            } catch (RuntimeException e) {
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (a instanceof GuardAction.SetCpuQuota) {
                    // Unknown what the cgroup holds now: the next decision sets the cap again.
                    state = state.withCpuCapUnknown();
                }
            }
            Event ev = new Event(clock.instant(), a, error);
            events.add(ev);
            listener.onEvent(ev);
        }
        return events;
    }

    private void apply(GuardAction a, List<String> live) {
        switch (a) {
            case GuardAction.SetCpuQuota q -> controls.setCpuCap(q.cap());
            case GuardAction.ThrottleIo t -> controls.throttleIo(t.device(), t.limit(), live);
            case GuardAction.UnthrottleIo u -> controls.unthrottleIo(u.device(), live);
            case GuardAction.ReclaimMemory m -> controls.setMemoryLimit(m.containerId(), m.limit());
            case GuardAction.RestoreMemory m -> controls.setMemoryLimit(m.containerId(), m.limit());
            case GuardAction.Evict e -> evictor.evict(e.containerId(), e.reason());
            case GuardAction.StopAdmitting s -> admitting = false;
            case GuardAction.ResumeAdmitting s -> admitting = true;
        }
    }

    @Override
    public void close() {
        thread.close();
    }
}
