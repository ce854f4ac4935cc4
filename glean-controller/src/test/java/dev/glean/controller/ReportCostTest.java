package dev.glean.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.controller.jobs.JobControl;
import dev.glean.controller.jobs.JobService;
import dev.glean.controller.jobs.TaskTransitions;
import dev.glean.controller.loop.SchedulingLoop;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.controller.store.InMemoryStorage;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.JobStateMachine;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.Scheduler;
import dev.glean.core.store.Storage;
import dev.glean.core.store.StoreTx;
import dev.glean.core.store.StoreView;
import dev.glean.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a report costs the controller: a report that changes nothing durable is answered without a write and without
 * waking the scheduling loop; one that changes something still writes, and wakes it. The answers are the same.
 */
class ReportCostTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final ControllerSettings settings = ControllerSettings.defaults();
    private final AtomicInteger wakes = new AtomicInteger();
    private CountingStorage storage;
    private JobService jobs;
    private AgentService agents;
    private SchedulingLoop loop;
    private JobControl control;

    /** The in-memory store, counting write transactions and node reads. */
    private static final class CountingStorage implements Storage {
        final InMemoryStorage inner = new InMemoryStorage();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public <T> T read(Function<StoreView, T> work) {
            reads.incrementAndGet();
            return inner.read(work);
        }

        @Override
        public <T> T write(Function<StoreTx, T> work) {
            writes.incrementAndGet();
            return inner.write(work);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @BeforeEach
    void wire() {
        storage = new CountingStorage();
        ChangeFeed feed = new ChangeFeed();
        CapacityEstimator estimator = new CapacityEstimator(settings.capacity());
        NodeRegistry registry = new NodeRegistry(estimator);
        TaskTransitions transitions = new TaskTransitions(new JobStateMachine(settings.maxRequeues()));
        jobs = new JobService(storage, transitions, feed, clock, List.of(), () -> {});
        agents = new AgentService(storage, transitions, registry, feed, clock, settings, 1, wakes::incrementAndGet);
        control = new JobControl(storage, registry, feed, clock, () -> {});
        loop = new SchedulingLoop(storage, transitions, registry, new Scheduler(estimator), feed, clock, settings);
    }

    private int readsOf(Runnable r) {
        int before = storage.reads.get();
        r.run();
        return storage.reads.get() - before;
    }

    private int writesOf(Runnable r) {
        int before = storage.writes.get();
        r.run();
        return storage.writes.get() - before;
    }

    @Test
    void anUnchangedReportNeitherWritesNorWakesTheLoop() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        assertEquals(1, writesOf(n1::report), "the first report registers the node");
        assertEquals(1, wakes.get(), "a new node may take work at once");
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, writesOf(n1::report));
        }
        assertEquals(1, wakes.get());
        // The record's refresh still writes, once.
        int writes = 0;
        for (Duration t = Duration.ofSeconds(20); t.compareTo(AgentService.NODE_RECORD_REFRESH) <= 0; t = t.plusSeconds(1)) {
            clock.advance(Duration.ofSeconds(1));
            writes += writesOf(n1::report);
        }
        assertEquals(1, writes);
    }

    @Test
    void aRunningContainerCostsNoWriteUntilItEnds() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        n1.report();
        Job j = jobs.submit(JobSpec.validated("t", List.of("true"), Millicores.ofCores(1), Bytes.ofMiB(64), 0, "a", Map.of(), Map.of(),
                null, List.of(), null, null, 0, null));
        loop.cycle();
        clock.advance(Duration.ofSeconds(1));
        n1.report(); // takes the launch
        clock.advance(Duration.ofSeconds(1));
        int woken = wakes.get();
        assertEquals(1, writesOf(n1::report), "RUNNING is recorded");
        assertEquals(JobState.RUNNING, jobs.get(j.id()).state());
        assertTrue(wakes.get() > woken);
        woken = wakes.get();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(0, writesOf(n1::report), "still running: nothing to record");
        assertEquals(List.of(n1.running().get(0)), n1.last.run().stream().map(l -> l.attemptId()).toList(), "still desired");
        assertEquals(woken, wakes.get());
        n1.exit(n1.running().get(0), 0);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, writesOf(n1::report), "the exit is recorded");
        assertEquals(JobState.SUCCEEDED, jobs.get(j.id()).state());
        assertTrue(wakes.get() > woken, "its room is free again");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(0, writesOf(n1::report), "the ended container is acknowledged without a write");
        assertTrue(n1.containers().isEmpty());
    }

    @Test
    void aLostNodeIsFoundWithoutReadingEveryNodeAndComesBackWithAWrite() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        SimulatedAgent n2 = new SimulatedAgent("n2", agents, clock, 4, 8);
        n1.report();
        n2.report();
        clock.advance(settings.lease().plus(settings.lostGrace()).plusSeconds(1));
        n2.report();
        loop.cycle();
        assertEquals(NodeStatus.LOST, storage.read(v -> v.node("n1")).orElseThrow().status());
        assertEquals(NodeStatus.READY, storage.read(v -> v.node("n2")).orElseThrow().status());
        assertEquals(0, writesOf(loop::cycle), "a node already LOST is not declared lost again");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, writesOf(n1::report));
        assertEquals(NodeStatus.READY, storage.read(v -> v.node("n1")).orElseThrow().status());
    }

    @Test
    void aSteadyReportIsAnsweredFromMemoryUntilItsSnapshotAges() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        assertNull(n1.reportInMemory(), "an unknown node needs the store");
        n1.report();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, readsOf(n1::report), "the first unchanged report reads the store once");
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, readsOf(n1::report) + writesOf(n1::report), "answered from the node's snapshot");
            clock.advance(Duration.ofSeconds(1));
            assertNotNull(n1.reportInMemory());
        }
        clock.advance(Duration.ofSeconds(11)); // 21 s after the snapshot was read
        assertEquals(1, readsOf(n1::report), "an old snapshot is read again");
    }

    private Job submit(String name) {
        return jobs.submit(JobSpec.validated(name, List.of("true"), Millicores.ofCores(1), Bytes.ofMiB(64), 0, "a", Map.of(), Map.of(),
                null, List.of(), null, null, 0, null));
    }

    private List<String> desired(SimulatedAgent n) {
        return n.last.run().stream().map(l -> l.jobId()).toList();
    }

    /** Steady reports in between, so that each change meets a snapshot that held before it. */
    private void steady(SimulatedAgent n) {
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(1));
            n.report();
        }
        clock.advance(Duration.ofSeconds(1));
        assertNotNull(n.reportInMemory(), "a snapshot holds");
    }

    @Test
    void aSnapshotNeverHidesAChangeOfTheNodesWork() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        n1.report();
        steady(n1);
        Job a = submit("a");
        loop.cycle();
        clock.advance(Duration.ofSeconds(1));
        assertNull(n1.reportInMemory(), "a placement moves the node's version");
        n1.report();
        assertEquals(List.of(a.id()), desired(n1));
        steady(n1);
        assertEquals(List.of(a.id()), desired(n1), "still desired when answered from memory");
        assertEquals(JobState.RUNNING, jobs.get(a.id()).state());

        Job b = submit("b");
        loop.cycle();
        steady(n1);
        assertEquals(List.of(a.id(), b.id()), desired(n1));
        jobs.cancel(b.id(), "test");
        clock.advance(Duration.ofSeconds(1));
        assertNull(n1.reportInMemory(), "a cancel moves the node's version");
        n1.report();
        assertEquals(List.of(a.id()), desired(n1), "the cancelled job is no longer desired");
        steady(n1);
        assertEquals(JobState.CANCELLED, jobs.get(b.id()).state());

        control.requeue(a.id(), "test");
        clock.advance(Duration.ofSeconds(1));
        n1.report();
        assertEquals(List.of(), desired(n1), "a stop takes the attempt out of the desired state");
        steady(n1);
        assertEquals(List.of(), desired(n1), "and keeps it out when answered from memory");
        assertEquals(JobState.QUEUED, jobs.get(a.id()).tasks().get(0).state(), "requeued once the node reported it stopped");
    }

    @Test
    void aLongPollThatRunsOutUnchangedIsAnsweredFromTheSnapshot() throws Exception {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 4, 8);
        n1.report();
        steady(n1);
        long version = n1.last.version();
        assertEquals(0, readsOf(() -> poll("n1", version)), "nothing changed: no store read");
        Job a = submit("a");
        loop.cycle();
        int before = storage.reads.get();
        var d = agents.awaitDesired("n1", 1, version, Duration.ofMillis(1));
        assertEquals(1, storage.reads.get() - before, "a change is read from the store");
        assertEquals(List.of(a.id()), d.run().stream().map(l -> l.jobId()).toList());
    }

    private void poll(String node, long version) {
        try {
            agents.awaitDesired(node, 1, version, Duration.ofMillis(1));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
