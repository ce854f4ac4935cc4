package dev.glean.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.controller.jobs.JobService;
import dev.glean.controller.loop.SchedulingLoop;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.controller.store.InMemoryStorage;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.protocol.GuardReport;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.store.EventFilter;
import dev.glean.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guard events, admission and priority between simulated agents and the real controller, in virtual time. */
class GuardScenarioTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final ControllerSettings settings = ControllerSettings.defaults();
    private InMemoryStorage storage;
    private JobService jobs;
    private AgentService agents;
    private SchedulingLoop loop;
    private NodeRegistry registry;

    @BeforeEach
    void wire() {
        storage = new InMemoryStorage();
        ControllerParts parts = ControllerParts.wire(storage, clock, settings, List.of(), 1);
        jobs = parts.jobs();
        agents = parts.agents();
        loop = parts.loop();
        registry = parts.registry();
    }

    private Job submit(int priority) {
        return jobs.submit(JobSpec.validated("t", List.of("true"), Millicores.ofCores(0.5), Bytes.ofMiB(64), priority, "a", Map.of(),
                Map.of(), null, List.of(), null, null, 0, null));
    }

    private static GuardEvent event(long seq, Instant at, String kind, String container, long count) {
        return new GuardEvent(seq, at, kind, container, kind + " because", Map.of("availableMiB", 812.5, "moves", 3.0), null, count);
    }

    private List<Event> guardEvents(String job, String node) {
        return storage.read(v -> v.events(new EventFilter(0, job, node, 1000))).stream()
                .filter(e -> e.type().startsWith("guard-")).toList();
    }

    @Test
    void guardEventsAreStoredOnceHoweverOftenResentAndAcknowledged() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 2, 8);
        n1.report();
        Job j = submit(0);
        loop.cycle();
        n1.report();
        String attempt = n1.running().get(0);
        Instant at = clock.instant();
        n1.guard = new GuardReport(true, null, List.of(event(1, at, "cpu-capped", null, 1),
                event(2, at, "memory-reclaim", attempt, 1), event(3, at, "cpu-cap-summary", null, 40)));
        assertEquals(3, n1.report().guardEventsAck());
        // The answer was lost: the agent sends the same events again, plus a new one.
        n1.guard = new GuardReport(true, null, List.of(event(1, at, "cpu-capped", null, 1),
                event(2, at, "memory-reclaim", attempt, 1), event(3, at, "cpu-cap-summary", null, 40), event(4, at, "evict", attempt, 1)));
        assertEquals(4, n1.report().guardEventsAck());
        n1.guard = new GuardReport(true, null, List.of());
        assertEquals(4, n1.report().guardEventsAck(), "nothing new: the ack stands");

        List<Event> all = guardEvents(null, null);
        assertEquals(List.of("guard-cpu-capped", "guard-memory-reclaim", "guard-cpu-cap-summary", "guard-evict"),
                all.stream().map(Event::type).toList());
        Event reclaim = all.get(1);
        assertEquals(j.id(), reclaim.jobId());
        assertEquals(0, reclaim.taskIndex());
        assertEquals(1, reclaim.attempt());
        assertEquals("n1", reclaim.node());
        assertEquals("memory-reclaim because", reclaim.reason());
        assertEquals("812.5", reclaim.data().get("availableMiB"));
        assertEquals("2", reclaim.data().get("seq"));
        assertEquals(attempt, reclaim.data().get("container"));
        assertEquals(List.of("guard-memory-reclaim", "guard-evict"), guardEvents(j.id(), null).stream().map(Event::type).toList(),
                "actions on the job's container are in its history");
        assertEquals(4, guardEvents(null, "n1").size());
        assertEquals(0, guardEvents(null, "n2").size());
        Map<String, Long> counted = registry.get("n1").guardActions();
        assertEquals(41L, counted.get("cpu-cap"), "a summary counts every move it folds");
        assertEquals(1L, counted.get("memory-reclaim"));
        assertEquals(1L, counted.get("evict"));
    }

    @Test
    void eachAgentInstanceNumbersItsOwnEventsAndARestartedControllerFindsWhatItStored() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 2, 8);
        n1.instance = "i1";
        n1.guard = new GuardReport(true, null, List.of(event(1, clock.instant(), "io-throttle", null, 1)));
        n1.report();
        n1.instance = "i2";
        n1.guard = new GuardReport(true, null, List.of(event(1, clock.instant(), "io-unthrottle", null, 1)));
        assertEquals(1, n1.report().guardEventsAck());
        assertEquals(2, guardEvents(null, "n1").size(), "seq 1 of another instance is another event");

        // A controller restart forgets what it acknowledged; the agent resends what it had not heard acknowledged.
        restartControllerOnTheSameStorage();
        SimulatedAgent again = new SimulatedAgent("n1", agents, clock, 2, 8);
        again.instance = "i2";
        again.guard = new GuardReport(true, null, List.of(event(1, clock.instant(), "io-unthrottle", null, 1),
                event(2, clock.instant(), "io-throttle", null, 1)));
        assertEquals(2, again.report().guardEventsAck());
        assertEquals(List.of("guard-io-throttle", "guard-io-unthrottle", "guard-io-throttle"),
                guardEvents(null, "n1").stream().map(Event::type).toList());
    }

    private void restartControllerOnTheSameStorage() {
        ControllerParts parts = ControllerParts.wire(storage, clock, settings, List.of(), 2);
        agents = parts.agents();
        registry = parts.registry();
    }

    @Test
    void eventTimesComeOnTheControllersClock() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 2, 8);
        n1.report();
        // The simulated agent stamps reports with the controller's clock: an event 2 s before sending stays 2 s before.
        n1.guard = new GuardReport(true, null, List.of(event(1, clock.instant().minusSeconds(2), "evict", null, 1),
                event(2, clock.instant().plusSeconds(60), "evict", null, 1)));
        n1.report();
        List<Event> e = guardEvents(null, "n1");
        assertEquals(clock.instant().minusSeconds(2), e.get(0).at());
        assertEquals(clock.instant(), e.get(1).at(), "never in the future");
    }

    @Test
    void aNodeThatStopsAdmittingGetsNothingNewUntilItResumes() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 2, 8);
        n1.guard = new GuardReport(false, "memory is short (900M available, reserve 800M): take no new secondaries",
                List.of(event(1, clock.instant(), "stop-admitting", null, 1)));
        n1.report();
        assertFalse(registry.admitting("n1"));
        assertTrue(registry.get("n1").admissionReason().startsWith("memory is short"));
        Job j = submit(0);
        loop.cycle();
        assertEquals(JobState.QUEUED, jobs.get(j.id()).state(), "not placed on a node that does not admit");
        clock.advance(Duration.ofSeconds(1));
        n1.guard = new GuardReport(true, null, List.of(event(2, clock.instant(), "resume-admitting", null, 1)));
        n1.report();
        assertTrue(registry.admitting("n1"));
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(j.id()).state());
    }

    @Test
    void theLaunchCarriesTheJobsPriority() {
        SimulatedAgent n1 = new SimulatedAgent("n1", agents, clock, 2, 8);
        n1.report();
        submit(-7);
        loop.cycle();
        assertEquals(List.of(-7), n1.report().run().stream().map(l -> l.priority()).toList());
    }
}
