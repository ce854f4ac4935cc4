package dev.glean.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.glean.core.job.SideEffect.EndAttempt;
import dev.glean.core.job.SideEffect.KillAttempt;
import dev.glean.core.job.SideEffect.StartAttempt;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The state machine as a table: (state, retries, event) -> (new state, side effect kinds). */
class JobStateMachineTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    private final JobStateMachine machine = new JobStateMachine(2);

    static Task task(JobState s, int attempts) {
        return new Task("7", 0, s, attempts, 0, s.onNode() ? "n1" : null, null, s == JobState.RUNNING ? T : null, null, "x");
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(JobState.QUEUED, 0, 0, new TaskEvent.Place("n1", T), JobState.PLACED, List.of(StartAttempt.class)),
                Arguments.of(JobState.QUEUED, 0, 0, new TaskEvent.Cancel("user", T), JobState.CANCELLED, List.of()),
                Arguments.of(JobState.PLACED, 1, 0, new TaskEvent.Started(T), JobState.RUNNING, List.of()),
                Arguments.of(JobState.PLACED, 1, 0, new TaskEvent.Exited(0, T), JobState.SUCCEEDED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Exited(0, T), JobState.SUCCEEDED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Exited(3, T), JobState.FAILED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 1, new TaskEvent.Exited(3, T), JobState.QUEUED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 2, 1, new TaskEvent.Exited(3, T), JobState.FAILED, List.of(EndAttempt.class)),
                Arguments.of(JobState.PLACED, 1, 0, new TaskEvent.LaunchFailed("no runc", T), JobState.FAILED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Cancel("user", T), JobState.CANCELLED,
                        List.of(KillAttempt.class, EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Lost("lease", T), JobState.QUEUED, List.of(EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Evicted("memory", T), JobState.QUEUED,
                        List.of(KillAttempt.class, EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.TimedOut(T), JobState.FAILED,
                        List.of(KillAttempt.class, EndAttempt.class)),
                Arguments.of(JobState.RUNNING, 1, 0, new TaskEvent.Displaced("preempted: job 9", T), JobState.QUEUED, List.of(EndAttempt.class)),
                Arguments.of(JobState.PLACED, 1, 0, new TaskEvent.Displaced("preempted: job 9", T), JobState.QUEUED, List.of(EndAttempt.class)));
    }

    @ParameterizedTest(name = "{0} + {3} -> {4}")
    @MethodSource("table")
    void transitions(JobState from, int attempts, int retries, TaskEvent event, JobState to, List<Class<?>> effects) {
        Transition t = machine.apply(task(from, attempts), retries, event);
        Transition.Changed c = assertInstanceOf(Transition.Changed.class, t);
        assertEquals(to, c.after().state());
        assertEquals(effects, c.effects().stream().map(Object::getClass).toList());
    }

    @Test
    void placingCountsAnAttempt() {
        Transition.Changed c = (Transition.Changed) machine.apply(task(JobState.QUEUED, 2), 5, new TaskEvent.Place("n9", T));
        assertEquals(3, c.after().attempts());
        assertEquals("n9", c.after().node());
        assertEquals(new StartAttempt("n9", 3), c.effects().get(0));
    }

    @Test
    void exitKeepsTheCodeAndTime() {
        Transition.Changed c = (Transition.Changed) machine.apply(task(JobState.RUNNING, 1), 0, new TaskEvent.Exited(3, T.plusSeconds(5)));
        assertEquals(3, c.after().exitCode());
        assertEquals(T.plusSeconds(5), c.after().finishedAt());
        assertEquals(new EndAttempt(1, JobState.FAILED, 3, "exited 3"), c.effects().get(0));
    }

    @Test
    void lostTasksAreRequeuedUntilTheLimitThenEndLost() {
        Task t = task(JobState.RUNNING, 1);
        for (int i = 1; i <= 2; i++) {
            Transition.Changed c = (Transition.Changed) machine.apply(t, 0, new TaskEvent.Lost("lease", T));
            assertEquals(JobState.QUEUED, c.after().state());
            assertEquals(i, c.after().lostAttempts());
            t = new Task("7", 0, JobState.RUNNING, c.after().attempts() + 1, c.after().lostAttempts(), "n1", null, T, null, "x");
        }
        Transition.Changed last = (Transition.Changed) machine.apply(t, 0, new TaskEvent.Lost("lease", T));
        assertEquals(JobState.LOST, last.after().state());
    }

    @Test
    void displacedTasksAreAlwaysRequeuedAndSpendNoRetry() {
        // Past the requeue limit (2 here) a lost task ends LOST; a preempted or drained one goes back to the queue.
        Task t = new Task("7", 0, JobState.RUNNING, 5, 4, "n1", null, T, null, "x");
        Transition.Changed c = (Transition.Changed) machine.apply(t, 0, new TaskEvent.Displaced("preempted: job 9 (priority 5)", T));
        assertEquals(JobState.QUEUED, c.after().state());
        assertEquals(5, c.after().lostAttempts());
        assertEquals(new EndAttempt(5, JobState.LOST, null, "preempted: job 9 (priority 5)"), c.effects().get(0));
        assertInstanceOf(Transition.Ignored.class, machine.apply(task(JobState.QUEUED, 1), 0, new TaskEvent.Displaced("drained: x", T)));
    }

    @Test
    void lostAttemptsDoNotSpendRetries() {
        // 3 attempts, one of them lost: 2 failures so far, retries=2 allows a third.
        Task t = new Task("7", 0, JobState.RUNNING, 3, 1, "n1", null, T, null, "x");
        Transition.Changed c = (Transition.Changed) machine.apply(t, 2, new TaskEvent.Exited(1, T));
        assertEquals(JobState.QUEUED, c.after().state());
    }

    @Test
    void terminalTasksIgnoreReportsAndRefuseCancel() {
        for (JobState s : new JobState[] {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.LOST}) {
            assertInstanceOf(Transition.Ignored.class, machine.apply(task(s, 1), 0, new TaskEvent.Exited(0, T)));
            assertInstanceOf(Transition.Illegal.class, machine.apply(task(s, 1), 0, new TaskEvent.Cancel("u", T)));
            assertInstanceOf(Transition.Illegal.class, machine.apply(task(s, 1), 0, new TaskEvent.Place("n", T)));
        }
    }

    @Test
    void duplicateStartIsIgnoredAndDoublePlaceIsIllegal() {
        assertInstanceOf(Transition.Ignored.class, machine.apply(task(JobState.RUNNING, 1), 0, new TaskEvent.Started(T)));
        assertInstanceOf(Transition.Illegal.class, machine.apply(task(JobState.RUNNING, 1), 0, new TaskEvent.Place("n2", T)));
        assertInstanceOf(Transition.Ignored.class, machine.apply(task(JobState.QUEUED, 0), 0, new TaskEvent.Exited(0, T)));
    }
}
