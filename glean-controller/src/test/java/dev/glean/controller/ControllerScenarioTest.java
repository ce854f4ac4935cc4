package dev.glean.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.controller.jobs.JobService;
import dev.glean.core.testing.MutableClock;
import dev.glean.controller.loop.SchedulingLoop;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.store.InMemoryStorage;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.IndexRange;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.store.EventFilter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.glean.core.schedule.LendingHours;
import dev.glean.core.schedule.LendingPolicies;
import dev.glean.core.schedule.LendingPolicy;
import dev.glean.core.schedule.LendingWindow;
import dev.glean.core.schedule.SchedulerSettings;

/** The whole controller (minus HTTP) with simulated agents in virtual time. */
class ControllerScenarioTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    /** Lending rules for two nodes only; every other node lends all it can. */
    private static final LendingPolicies RULES = new LendingPolicies(List.of(
            LendingPolicies.Rule.forNode("nights", LendingPolicy.during(new LendingHours.Weekly(java.time.ZoneOffset.UTC,
                    List.of(LendingWindow.parse("Mon-Fri 20:00-07:00"))))),
            LendingPolicies.Rule.forLabel("role", "db", LendingPolicy.fractions(0.5, 1))));
    private final ControllerSettings settings = withLending(ControllerSettings.defaults(), RULES);

    private static ControllerSettings withLending(ControllerSettings d, LendingPolicies rules) {
        return new ControllerSettings(d.bind(), d.port(), d.lease(), d.lostGrace(), d.capacity(), d.maxRequeues(),
                d.maxPlacementsPerCycle(), d.cycle(), d.maxLogBytesPerAttempt(), d.allowedVolumes(), rules, d.preemption());
    }
    private InMemoryStorage storage;
    private JobService jobs;
    private AgentService agents;
    private SchedulingLoop loop;

    @BeforeEach
    void wire() {
        storage = new InMemoryStorage();
        ControllerParts parts = ControllerParts.wire(storage, clock, settings, List.of("/data"), 1);
        jobs = parts.jobs();
        agents = parts.agents();
        loop = parts.loop();
    }

    private static JobSpec spec(double cpu, int retries, IndexRange array, Duration timeout) {
        return JobSpec.validated("t", List.of("sh", "-c", "echo {index}"), Millicores.ofCores(cpu), Bytes.ofMiB(64), 0, "a", Map.of(),
                Map.of(), array, List.of(), null, null, retries, timeout);
    }

    private SimulatedAgent node(String name, int cpus) {
        return new SimulatedAgent(name, agents, clock, cpus, 8);
    }

    @Test
    void aJobRunsEndsWithItsExitCodeAndLogs() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 0, null, null));
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(j.id()).state());
        n1.report();
        String attempt = j.tasks().get(0).attemptId().replace("-0-0", "-0-1");
        assertEquals(List.of(attempt), n1.running());
        assertEquals("g-" + j.id() + "-0-1", attempt);
        n1.report();
        assertEquals(JobState.RUNNING, jobs.get(j.id()).state());
        n1.print(attempt, "hi");
        n1.exit(attempt, 3);
        n1.report();
        Job done = jobs.get(j.id());
        assertEquals(JobState.FAILED, done.state());
        assertEquals(3, done.exitCode());
        assertEquals("n1", done.node());
        assertTrue(n1.last.ack().contains(attempt), "ended attempt acknowledged once its log is stored");
        String log = new String(storage.read(v -> v.readLog(attempt, 0, 1000)), StandardCharsets.UTF_8);
        assertTrue(log.endsWith(" stdout F hi\n"), log);
        List<Attempt> attempts = storage.read(v -> v.attempts(j.id()));
        assertEquals(1, attempts.size());
        assertEquals(JobState.FAILED, attempts.get(0).state());
        assertEquals(3, attempts.get(0).exitCode());
        List<JobState> history = storage.read(v -> v.events(new EventFilter(0, j.id(), null, 100))).stream()
                .map(Event::to).filter(s -> s != null).toList();
        assertEquals(List.of(JobState.QUEUED, JobState.PLACED, JobState.RUNNING, JobState.FAILED), history);
        n1.report();
        assertTrue(n1.containers().isEmpty(), "acknowledged container removed by the agent");
    }

    @Test
    void aNodeAdmitsOnlyWhatItLends() {
        SimulatedAgent n1 = node("n1", 2); // lends 2 - 0.1 headroom = 1.9 CPUs; requests may reach 1.9 x 1.5 (over-commit) = 2.85
        n1.report();
        for (int i = 0; i < 4; i++) {
            jobs.submit(spec(0.9, 0, null, null));
        }
        loop.cycle();
        assertEquals(3, jobs.list(JobState.PLACED).size());
        assertEquals(1, jobs.list(JobState.QUEUED).size());
    }

    @Test
    void lendingRulesLimitWhatAndWhenANodeLends() {
        SimulatedAgent nights = node("nights", 2);
        nights.report();
        Job j = jobs.submit(spec(0.5, 0, null, null));
        loop.cycle();
        assertEquals(JobState.QUEUED, jobs.get(j.id()).state(), "Friday 10:00 is outside the node's lending hours");
        clock.advance(Duration.ofHours(10));
        nights.report();
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(j.id()).state(), "Friday 20:00: lending hours");
        assertEquals("nights", jobs.get(j.id()).node());
    }

    @Test
    void aRuleForALabelCapsTheShareANodeLends() {
        SimulatedAgent db = new SimulatedAgent("db-1", agents, clock, 2, 8, Map.of("role", "db")); // half of 2 CPUs
        db.report();
        jobs.submit(spec(0.8, 0, null, null));
        jobs.submit(spec(0.8, 0, null, null));
        loop.cycle();
        assertEquals(1, jobs.list(JobState.PLACED).size());
        assertEquals(1, jobs.list(JobState.QUEUED).size());
    }

    @Test
    void aNodeThatStopsReportingIsLostAndItsTasksRunElsewhereOnce() {
        SimulatedAgent n1 = node("n1", 2);
        SimulatedAgent n2 = node("n2", 2);
        n1.report();
        Job j = jobs.submit(spec(1.5, 0, null, null));
        loop.cycle();
        n1.report();
        n1.report();
        assertEquals(JobState.RUNNING, jobs.get(j.id()).state());
        // n1 goes silent; n2 keeps reporting.
        clock.advance(settings.lease());
        n2.report();
        loop.cycle();
        assertEquals(JobState.RUNNING, jobs.get(j.id()).state(), "not lost before lease + grace");
        clock.advance(settings.lostGrace().plusSeconds(1));
        n2.report();
        loop.cycle();
        assertEquals(NodeStatus.LOST, storage.read(v -> v.node("n1")).orElseThrow().status());
        Job moved = jobs.get(j.id());
        assertEquals("n2", moved.node());
        assertEquals(JobState.PLACED, moved.state());
        n2.report();
        assertEquals(1, n2.running().size());
        // n1 comes back: its old attempt is not desired any more, so it is stopped, and acknowledged.
        n1.report();
        assertTrue(n1.running().isEmpty());
        n1.report();
        assertTrue(n1.containers().isEmpty());
        assertEquals(NodeStatus.READY, storage.read(v -> v.node("n1")).orElseThrow().status());
        assertEquals(2, storage.read(v -> v.attempts(j.id())).size());
        assertEquals(JobState.LOST, storage.read(v -> v.attempts(j.id())).get(0).state());
    }

    @Test
    void aContainerStoppedForItsLeaseIsRequeuedNotFailed() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 0, null, null));
        loop.cycle();
        n1.report();
        n1.exit(n1.running().get(0), 137, dev.glean.core.protocol.ContainerReport.LEASE_EXPIRED + " (killed by the lease watchdog)");
        n1.report();
        Job back = jobs.get(j.id());
        assertEquals(JobState.QUEUED, back.state());
        assertEquals(JobState.LOST, storage.read(v -> v.attempts(j.id())).get(0).state());
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(j.id()).state());
    }

    @Test
    void aContainerEvictedByTheGuardIsRequeuedWithoutSpendingARetry() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 0, null, null));
        loop.cycle();
        n1.report();
        n1.exit(n1.running().get(0), 137, dev.glean.core.protocol.ContainerReport.EVICTED
                + "available memory 900M is below the reserve of 1G");
        n1.report();
        Job back = jobs.get(j.id());
        assertEquals(JobState.QUEUED, back.state(), "no retries, yet back in the queue: an eviction is not the job's fault");
        Attempt a = storage.read(v -> v.attempts(j.id())).get(0);
        assertEquals(JobState.LOST, a.state());
        assertTrue(a.reason().startsWith("evicted: available memory 900M"), a.reason());
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(j.id()).state());
    }

    private static JobSpec prioritised(double cpu, int priority) {
        return JobSpec.validated("p" + priority, List.of("sleep", "1000"), Millicores.ofCores(cpu), Bytes.ofMiB(64), priority, "a",
                Map.of(), Map.of(), null, List.of(), null, null, 0, null);
    }

    @Test
    void aHigherPriorityJobPreemptsALowerOneWhichRunsNowhereElseUntilItStopped() {
        SimulatedAgent n1 = node("n1", 2); // lends 1.9 CPUs: room for one of the two
        n1.report();
        Job low = jobs.submit(prioritised(1.5, 0));
        loop.cycle();
        n1.report();
        n1.report();
        assertEquals(JobState.RUNNING, jobs.get(low.id()).state());
        String lowAttempt = n1.running().get(0);
        Job high = jobs.submit(prioritised(1.5, 10));
        loop.cycle();
        assertEquals(JobState.QUEUED, jobs.get(high.id()).state(), "placed only once the victim is gone");
        assertEquals(JobState.RUNNING, jobs.get(low.id()).state(), "the victim stays on its node until it stopped");
        loop.cycle();
        assertEquals(JobState.QUEUED, jobs.get(high.id()).state());
        n1.report(); // the desired state no longer holds the victim: the node stops it
        assertEquals(List.of(), n1.running());
        n1.report(); // ...and reports it ended
        Job back = jobs.get(low.id());
        assertEquals(JobState.QUEUED, back.state());
        Attempt a = storage.read(v -> v.attempts(low.id())).get(0);
        assertEquals(JobState.LOST, a.state());
        assertTrue(a.reason().startsWith("preempted: job " + high.id() + " (priority 10)"), a.reason());
        List<Event> preempting = storage.read(v -> v.events(new EventFilter(0, low.id(), null, 100))).stream()
                .filter(e -> e.type().equals("preempting")).toList();
        assertEquals(1, preempting.size(), "asked once, not every cycle");
        assertEquals("n1", preempting.get(0).node());
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(high.id()).state());
        assertEquals(JobState.QUEUED, jobs.get(low.id()).state(), "no room left for the victim");
        n1.report();
        assertEquals(1, n1.running().size());
        assertTrue(n1.running().get(0).startsWith("g-" + high.id() + "-"), n1.running().toString());
        assertTrue(!n1.containers().containsKey(lowAttempt), "the ended victim was acknowledged and removed");
    }

    @Test
    void aVictimTheNodeNeverStartedIsRequeuedOnceTheNodeReportsWithoutIt() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job low = jobs.submit(prioritised(1.5, 0));
        loop.cycle(); // placed, but the node has not heard of it yet
        Job high = jobs.submit(prioritised(1.5, 10));
        loop.cycle();
        n1.report(); // the victim is no longer desired: the node never creates it
        assertEquals(List.of(), n1.running());
        assertEquals(JobState.PLACED, jobs.get(low.id()).state(), "a launch in flight may still show up: wait a little");
        clock.advance(Duration.ofSeconds(6));
        n1.report();
        assertEquals(JobState.QUEUED, jobs.get(low.id()).state());
        loop.cycle();
        assertEquals(JobState.PLACED, jobs.get(high.id()).state());
    }

    @Test
    void aVictimThatExitsZeroWhenStoppedIsRequeuedNotCountedAsDone() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job low = jobs.submit(prioritised(1.5, 0));
        loop.cycle();
        n1.report();
        n1.report();
        String attempt = n1.running().get(0);
        jobs.submit(prioritised(1.5, 10));
        loop.cycle();
        n1.exit(attempt, 0, dev.glean.core.protocol.ContainerReport.NO_LONGER_DESIRED); // a graceful TERM handler
        n1.report();
        assertEquals(JobState.QUEUED, jobs.get(low.id()).state());
    }

    @Test
    void equalPrioritiesNeverPreempt() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job first = jobs.submit(prioritised(1.5, 5));
        loop.cycle();
        n1.report();
        n1.report();
        Job second = jobs.submit(prioritised(1.5, 5));
        for (int i = 0; i < 3; i++) {
            loop.cycle();
            n1.report();
        }
        assertEquals(JobState.RUNNING, jobs.get(first.id()).state());
        assertEquals(JobState.QUEUED, jobs.get(second.id()).state());
    }

    @Test
    void cancelStopsTheContainerAndEndsCancelled() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 0, null, null));
        loop.cycle();
        n1.report();
        n1.report();
        Job c = jobs.cancel(j.id(), "cancelled by user");
        assertEquals(JobState.CANCELLED, c.state());
        n1.report(); // desired no longer lists it: the agent stops it (143)
        assertTrue(n1.running().isEmpty());
        n1.report();
        assertTrue(n1.containers().isEmpty(), "the stopped container is acknowledged and removed");
        assertEquals(JobState.CANCELLED, jobs.get(j.id()).state());
        GleanException again = assertThrows(GleanException.class, () -> jobs.cancel(j.id(), "again"));
        assertEquals(ErrorCode.ILLEGAL_STATE, again.code());
    }

    @Test
    void failedTasksAreRetriedOnANewAttempt() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 1, null, null));
        loop.cycle();
        n1.report();
        String first = n1.running().get(0);
        n1.exit(first, 1);
        n1.report();
        assertEquals(JobState.QUEUED, jobs.get(j.id()).state());
        loop.cycle();
        n1.report();
        String second = n1.running().get(0);
        assertFalse(second.equals(first));
        n1.exit(second, 0);
        n1.report();
        assertEquals(JobState.SUCCEEDED, jobs.get(j.id()).state());
        assertEquals(2, jobs.get(j.id()).attempts());
    }

    @Test
    void arrayTasksGetTheirIndexAndTheJobEndsWhenAllDo() {
        SimulatedAgent n1 = node("n1", 4);
        n1.report();
        Job j = jobs.submit(spec(0.5, 0, IndexRange.parse("3-5"), null));
        loop.cycle();
        var d = n1.report();
        assertEquals(List.of("echo 3", "echo 4", "echo 5"), d.run().stream().map(l -> l.command().get(2)).sorted().toList());
        assertEquals("4", d.run().stream().filter(l -> l.taskIndex() == 4).findFirst().orElseThrow().env().get("GLEAN_TASK_INDEX"));
        for (String id : n1.running()) {
            n1.exit(id, id.endsWith("-4-1") ? 2 : 0);
        }
        n1.report();
        Job done = jobs.get(j.id());
        assertEquals(JobState.FAILED, done.state());
        assertEquals(2, done.exitCode());
        assertEquals(Map.of(JobState.SUCCEEDED, 2, JobState.FAILED, 1), done.taskCounts());
    }

    @Test
    void overdueTasksTimeOut() {
        SimulatedAgent n1 = node("n1", 2);
        n1.report();
        Job j = jobs.submit(spec(1, 0, null, Duration.ofSeconds(30)));
        loop.cycle();
        n1.report();
        n1.report();
        clock.advance(Duration.ofSeconds(31));
        n1.report();
        loop.cycle();
        Job t = jobs.get(j.id());
        assertEquals(JobState.FAILED, t.state());
        assertEquals("timed out", t.tasks().get(0).reason());
        n1.report();
        assertTrue(n1.running().isEmpty());
    }

    @Test
    void volumesOutsideTheAllowListAreRefused() {
        JobSpec s = JobSpec.validated("v", List.of("true"), Millicores.ofCores(1), Bytes.ofMiB(64), 0, "a", Map.of(), Map.of(), null,
                List.of(dev.glean.core.job.VolumeMount.parse("/etc:/x")), null, null, 0, null);
        assertEquals(ErrorCode.PERMISSION_DENIED, assertThrows(GleanException.class, () -> jobs.submit(s)).code());
        assertTrue(jobs.list(null).isEmpty());
    }

    @Test
    void reportsOfAnotherProtocolVersionAreRefused() {
        var r = new dev.glean.core.protocol.AgentReport(99, "n1", "x", Map.of(), null, List.of(), List.of(), clock.instant());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(GleanException.class, () -> agents.report(r)).code());
    }
}
