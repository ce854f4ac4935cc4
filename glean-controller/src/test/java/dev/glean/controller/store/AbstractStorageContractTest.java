package dev.glean.controller.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.IndexRange;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.node.Node;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.Storage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Storage} adapter meets. An adapter's test extends this class and says how to
 * open a fresh store and how to reopen the same one (close, then open the same data, as a restart does).
 * glean-controller's test-jar ships this class so adapters in other modules run it too.
 *
 * <p>Instants are stored to the millisecond: fixtures use whole milliseconds, and one test pins the
 * truncation.
 */
public abstract class AbstractStorageContractTest {
    protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123Z");

    /** The store under test; {@link #reopenStore()} replaces it. */
    protected Storage store;

    /** A new, empty store. */
    protected abstract Storage newStorage() throws Exception;

    /** Closes {@code old} and opens the same data again, as a controller restart would. */
    protected abstract Storage reopen(Storage old) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStorage();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected void reopenStore() throws Exception {
        store = reopen(store);
    }

    // ---- fixtures ----

    protected static JobSpec spec(String name, IndexRange array) {
        return JobSpec.validated(name, List.of("/bin/sh", "-c", "echo {index} && sleep 1"), Millicores.parse("0.5"),
                Bytes.parse("256M"), 5, "team-a", Map.of("MODE", "fast", "SEED", "42"), Map.of("zone", "eu-1", "disk", "ssd"),
                array, List.of(VolumeMount.parse("/data:/data:ro"), VolumeMount.parse("/scratch:/tmp/scratch")),
                null, null, 3, Duration.ofMinutes(90));
    }

    protected static JobSpec minimalSpec() {
        return JobSpec.validated(null, List.of("true"), Millicores.ofCores(1), Bytes.ofMiB(64), null, null, null, null,
                null, null, null, null, null, null);
    }

    protected static Job job(String id, JobSpec spec, Instant submittedAt) {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < spec.taskCount(); i++) {
            tasks.add(Task.queued(id, spec.firstIndex() + i));
        }
        return new Job(id, spec, submittedAt, tasks);
    }

    protected static Job arrayJob(String id, int first, int last) {
        return job(id, spec("arr-" + id, new IndexRange(first, last)), T0);
    }

    protected static Job singleJob(String id) {
        return job(id, spec("one-" + id, null), T0);
    }

    protected void insert(Job... jobs) {
        store.write(tx -> {
            for (Job j : jobs) {
                tx.insertJob(j);
            }
            return null;
        });
    }

    protected static Task with(Task t, JobState s, String node) {
        return new Task(t.jobId(), t.index(), s, t.attempts() + (s == JobState.PLACED ? 1 : 0), t.lostAttempts(), node,
                s.terminal() ? (s == JobState.SUCCEEDED ? 0 : 1) : null, s == JobState.RUNNING ? T0.plusSeconds(1) : t.startedAt(),
                s.terminal() ? T0.plusSeconds(60) : null, "now " + s);
    }

    protected void update(Task t) {
        store.write(tx -> {
            tx.updateTask(t);
            return null;
        });
    }

    protected Job get(String id) {
        return store.read(v -> v.job(id)).orElseThrow();
    }

    protected static Event jobEvent(String jobId, String type) {
        return new Event(0, T0, type, jobId, 0, 1, null, JobState.QUEUED, JobState.PLACED, "because", Map.of("k", "v"));
    }

    protected long append(Event e) {
        return store.write(tx -> tx.append(e));
    }

    protected long lastSeq() {
        return store.read(v -> v.lastEventSeq());
    }

    protected long logSize(String attemptId) {
        return store.read(v -> v.logSize(attemptId));
    }

    protected static GleanException error(ErrorCode code, Runnable r) {
        GleanException e = assertThrows(GleanException.class, r::run);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    protected static Node node(String name, NodeStatus status) {
        return new Node(name, Map.of("zone", "eu-1"), status, false, Resources.of(8000, 16L << 30), "agent-" + name,
                T0, T0.plusSeconds(5));
    }

    // ---- jobs and tasks ----

    @Test
    void insertedJobReadsBackEqual() {
        Job single = job("a1", spec("single", null), T0);
        Job array = arrayJob("a2", 5, 14);
        Job minimal = job("a3", minimalSpec(), T0.plusMillis(1));
        insert(single, array, minimal);

        assertEquals(single, get("a1"));
        assertEquals(array, get("a2"));
        assertEquals(minimal, get("a3"));
        assertEquals(10, get("a2").tasks().size());
        assertEquals(5, get("a2").tasks().get(0).index());
        assertEquals(Duration.ofMinutes(90), get("a1").spec().timeout());
        assertEquals(List.of(single, array, minimal), store.read(v -> v.jobs(JobFilter.ALL)));
    }

    @Test
    void holdsAreKeptReleasedAndIdempotentAndRollBack() {
        insert(singleJob("h1"), singleJob("h2"));
        assertEquals(java.util.Set.of(), store.read(v -> v.heldJobs()));
        store.write(tx -> {
            tx.setHeld("h1", true);
            tx.setHeld("h1", true);
            return null;
        });
        assertEquals(java.util.Set.of("h1"), store.read(v -> v.heldJobs()));
        error(ErrorCode.NOT_FOUND, () -> store.write(tx -> {
            tx.setHeld("nope", true);
            return null;
        }));
        assertThrows(IllegalStateException.class, () -> store.write(tx -> {
            tx.setHeld("h2", true);
            throw new IllegalStateException("roll back");
        }));
        assertEquals(java.util.Set.of("h1"), store.read(v -> v.heldJobs()), "a rolled-back hold is gone");
        store.write(tx -> {
            tx.setHeld("h1", false);
            tx.setHeld("h2", false);
            return null;
        });
        assertEquals(java.util.Set.of(), store.read(v -> v.heldJobs()));
    }

    @Test
    void taskFieldsRoundTripIncludingNulls() {
        Job j = arrayJob("rt", 0, 1);
        insert(j);
        Task full = new Task("rt", 0, JobState.FAILED, 3, 1, "node-7", 137, T0.plusSeconds(2), T0.plusSeconds(9), "oom");
        Task sparse = new Task("rt", 1, JobState.QUEUED, 0, 0, null, null, null, null, null);
        update(full);
        update(sparse);
        assertEquals(List.of(full, sparse), get("rt").tasks());
    }

    @Test
    void tasksComeBackInIndexOrder() {
        Job j = new Job("rev", spec("rev", new IndexRange(0, 2)), T0,
                List.of(Task.queued("rev", 2), Task.queued("rev", 0), Task.queued("rev", 1)));
        insert(j);
        assertEquals(List.of(0, 1, 2), get("rev").tasks().stream().map(Task::index).toList());
        assertEquals(List.of(0, 1, 2), store.read(v -> v.tasksInStates(List.of(JobState.QUEUED))).stream().map(Task::index).toList());
    }

    @Test
    void unknownJobIsEmpty() {
        assertTrue(store.read(v -> v.job("nope")).isEmpty());
        assertEquals(List.of(), store.read(v -> v.jobs(JobFilter.ALL)));
    }

    @Test
    void duplicateJobIdIsConflictAndLeavesTheFirst() {
        Job first = singleJob("dup");
        insert(first);
        error(ErrorCode.CONFLICT, () -> insert(job("dup", minimalSpec(), T0)));
        assertEquals(first, get("dup"));
    }

    @Test
    void conflictInsideAWriteLeavesTheTransactionUsable() {
        insert(singleJob("x"));
        store.write(tx -> {
            tx.insertJob(singleJob("y"));
            GleanException e = assertThrows(GleanException.class, () -> tx.insertJob(singleJob("x")));
            assertEquals(ErrorCode.CONFLICT, e.code());
            tx.insertJob(singleJob("z"));
            return null;
        });
        assertEquals(List.of("x", "y", "z"), store.read(v -> v.jobs(JobFilter.ALL)).stream().map(Job::id).toList());
    }

    @Test
    void taskNamingAnotherJobIsRejected() {
        Job bad = new Job("j", minimalSpec(), T0, List.of(Task.queued("other", 0)));
        error(ErrorCode.INVALID_ARGUMENT, () -> insert(bad));
        assertTrue(store.read(v -> v.job("j")).isEmpty());
    }

    @Test
    void updateOfUnknownTaskIsNotFound() {
        insert(arrayJob("u", 0, 2));
        error(ErrorCode.NOT_FOUND, () -> update(Task.queued("u", 3)));
        error(ErrorCode.NOT_FOUND, () -> update(Task.queued("nope", 0)));
    }

    @Test
    void updateTaskReplacesOnlyThatTask() {
        Job j = arrayJob("up", 0, 2);
        insert(j);
        Task placed = with(j.task(1), JobState.PLACED, "n1");
        update(placed);
        Job back = get("up");
        assertEquals(List.of(j.task(0), placed, j.task(2)), back.tasks());
        assertEquals(j.spec(), back.spec());
        assertEquals(j.submittedAt(), back.submittedAt());
    }

    @Test
    void jobFilterUsesTheAggregateStateOfTheTasks() {
        Job arr = arrayJob("arr", 0, 2);
        Job one = singleJob("one");
        insert(arr, one);
        assertEquals(List.of("arr", "one"), ids(JobFilter.inState(JobState.QUEUED)));

        update(with(arr.task(1), JobState.RUNNING, "n1"));
        assertEquals(List.of("one"), ids(JobFilter.inState(JobState.QUEUED)));
        assertEquals(List.of("arr"), ids(JobFilter.inState(JobState.RUNNING)));

        update(with(arr.task(0), JobState.SUCCEEDED, "n1"));
        update(with(arr.task(1), JobState.SUCCEEDED, "n1"));
        assertEquals(List.of("arr", "one"), ids(JobFilter.inState(JobState.QUEUED)), "arr has a task still queued");
        update(with(arr.task(2), JobState.FAILED, "n2"));
        assertEquals(List.of("arr"), ids(JobFilter.inState(JobState.FAILED)));
        assertEquals(List.of(), ids(JobFilter.inState(JobState.SUCCEEDED)));

        update(with(arr.task(2), JobState.SUCCEEDED, "n2")); // e.g. a retry that succeeded
        assertEquals(List.of("arr"), ids(JobFilter.inState(JobState.SUCCEEDED)));

        update(with(one.task(0), JobState.LOST, "n3"));
        assertEquals(List.of("one"), ids(JobFilter.inState(JobState.LOST)), "a single task job takes its task's state");

        for (Job j : store.read(v -> v.jobs(JobFilter.ALL))) {
            assertTrue(ids(JobFilter.inState(j.state())).contains(j.id()), j.id() + " is listed under its state " + j.state());
        }
    }

    @Test
    void jobsAreInSubmissionOrderWithPaging() {
        insert(singleJob("c"));
        insert(singleJob("a"), singleJob("b"));
        insert(singleJob("10"), singleJob("9"));
        assertEquals(List.of("c", "a", "b", "10", "9"), ids(JobFilter.ALL));
        assertEquals(List.of("b", "10"), ids(new JobFilter(null, "a", 2)));
        assertEquals(List.of("9"), ids(new JobFilter(null, "10", 100)));
        assertEquals(List.of(), ids(new JobFilter(null, "9", 100)));
        assertEquals(List.of(), ids(new JobFilter(null, "unknown", 100)), "after an unknown id: nothing");
        assertEquals(List.of(), ids(new JobFilter(null, null, 0)));
        update(with(get("a").task(0), JobState.RUNNING, "n"));
        update(with(get("10").task(0), JobState.RUNNING, "n"));
        assertEquals(List.of("10"), ids(new JobFilter(JobState.RUNNING, "a", 10)));
        assertEquals(List.of("c"), ids(new JobFilter(JobState.QUEUED, null, 1)));
    }

    private List<String> ids(JobFilter f) {
        return store.read(v -> v.jobs(f)).stream().map(Job::id).toList();
    }

    @Test
    void tasksInStatesAreInSubmissionThenIndexOrder() {
        insert(arrayJob("z", 3, 5));
        insert(arrayJob("a", 0, 2), singleJob("m"));
        update(with(get("z").task(4), JobState.RUNNING, "n1"));
        update(with(get("a").task(0), JobState.PLACED, "n1"));

        assertEquals(List.of("z/3", "z/5", "a/1", "a/2", "m/0"), keys(store.read(v -> v.tasksInStates(List.of(JobState.QUEUED)))));
        assertEquals(List.of("z/4", "a/0"),
                keys(store.read(v -> v.tasksInStates(Set.of(JobState.RUNNING, JobState.PLACED, JobState.SUSPENDED)))));
        assertEquals(List.of(), store.read(v -> v.tasksInStates(List.of())));
        assertEquals(List.of(), store.read(v -> v.tasksInStates(List.of(JobState.LOST))));
        Task t = store.read(v -> v.tasksInStates(List.of(JobState.RUNNING))).get(0);
        assertEquals(get("z").task(4), t);
    }

    @Test
    void tasksOnNodeAreThoseHoldingItNow() {
        insert(arrayJob("p", 0, 3), singleJob("q"));
        update(with(get("p").task(2), JobState.RUNNING, "n1"));
        update(with(get("p").task(0), JobState.PLACED, "n1"));
        update(with(get("p").task(1), JobState.RUNNING, "n2"));
        update(with(get("q").task(0), JobState.SUCCEEDED, "n1"));
        assertEquals(List.of("p/0", "p/2"), keys(store.read(v -> v.tasksOnNode("n1"))), "an ended task no longer holds the node");
        assertEquals(List.of("p/1"), keys(store.read(v -> v.tasksOnNode("n2"))));
        assertEquals(List.of(), store.read(v -> v.tasksOnNode("n3")));
    }

    private static List<String> keys(List<Task> tasks) {
        return tasks.stream().map(t -> t.jobId() + "/" + t.index()).toList();
    }

    @Test
    void instantsAreKeptToTheMillisecond() {
        Instant fine = Instant.parse("2026-03-01T10:00:00.123456789Z");
        Instant ms = Instant.parse("2026-03-01T10:00:00.123Z");
        insert(job("t", minimalSpec(), fine));
        assertEquals(ms, get("t").submittedAt());
        update(new Task("t", 0, JobState.RUNNING, 1, 0, "n", null, fine, null, "r"));
        assertEquals(ms, get("t").task(0).startedAt());
        long seq = append(Event.job(fine, "x", "t", "r"));
        assertEquals(ms, store.read(v -> v.events(new EventFilter(seq - 1, null, null, 1))).get(0).at());
    }

    // ---- job ids ----

    @Test
    void jobIdsAreIncreasingDecimalsNeverReused() throws Exception {
        String a = store.write(tx -> tx.nextJobId());
        String b = store.write(tx -> tx.nextJobId());
        assertEquals("1", a, "a new store starts at 1");
        assertEquals("2", b);

        String[] drawn = new String[1];
        assertThrows(IllegalStateException.class, () -> store.write(tx -> {
            drawn[0] = tx.nextJobId();
            throw new IllegalStateException("roll back");
        }));
        String c = store.write(tx -> tx.nextJobId());
        assertTrue(Long.parseLong(c) > Long.parseLong(b));
        assertNotEquals(drawn[0], c, "an id drawn in a rolled back write is not handed out again");
    }

    @Test
    void nextJobIdSkipsIdsAlreadyTaken() {
        String a = store.write(tx -> tx.nextJobId());
        String taken = Long.toString(Long.parseLong(a) + 1);
        insert(singleJob(taken));
        String b = store.write(tx -> tx.nextJobId());
        assertTrue(Long.parseLong(b) > Long.parseLong(taken), b);
        insert(singleJob(b));
    }

    // ---- attempts ----

    @Test
    void attemptsInsertUpdateAndOrder() {
        insert(arrayJob("at", 0, 1), singleJob("other"));
        Attempt a11 = new Attempt("at", 1, 1, "n1", JobState.RUNNING, null, T0, T0.plusSeconds(1), null, null);
        Attempt a01 = new Attempt("at", 0, 1, "n1", JobState.RUNNING, null, T0, null, null, null);
        Attempt a02 = new Attempt("at", 0, 2, "n2", JobState.RUNNING, null, T0.plusSeconds(30), null, null, "retry");
        Attempt o = new Attempt("other", 0, 1, "n1", JobState.RUNNING, null, T0, null, null, null);
        store.write(tx -> {
            tx.insertAttempt(a11);
            tx.insertAttempt(a02);
            tx.insertAttempt(o);
            tx.insertAttempt(a01);
            return null;
        });
        assertEquals(List.of(a01, a02, a11), store.read(v -> v.attempts("at")));
        assertEquals(List.of(), store.read(v -> v.attempts("none")));

        Attempt done = new Attempt("at", 0, 1, "n1", JobState.FAILED, 2, T0, T0.plusSeconds(1), T0.plusSeconds(20), "exit 2");
        store.write(tx -> {
            tx.updateAttempt(done);
            return null;
        });
        assertEquals(done, store.read(v -> v.attempt("at", 0, 1)).orElseThrow());
        assertEquals(a02, store.read(v -> v.attempt("at", 0, 2)).orElseThrow());
        assertTrue(store.read(v -> v.attempt("at", 0, 3)).isEmpty());

        error(ErrorCode.CONFLICT, () -> store.write(tx -> {
            tx.insertAttempt(a11);
            return null;
        }));
        error(ErrorCode.NOT_FOUND, () -> store.write(tx -> {
            tx.updateAttempt(new Attempt("at", 1, 9, "n1", JobState.RUNNING, null, T0, null, null, null));
            return null;
        }));
        error(ErrorCode.NOT_FOUND, () -> store.write(tx -> {
            tx.insertAttempt(new Attempt("at", 7, 1, "n1", JobState.RUNNING, null, T0, null, null, null));
            return null;
        }));
    }

    // ---- nodes ----

    @Test
    void nodesUpsert() {
        Node b = node("b", NodeStatus.READY);
        Node a = node("a", NodeStatus.READY);
        store.write(tx -> {
            tx.upsertNode(b);
            tx.upsertNode(a);
            return null;
        });
        assertEquals(List.of(a, b), store.read(v -> v.nodes()));

        Node b2 = new Node("b", Map.of("zone", "eu-2", "gpu", "none"), NodeStatus.LOST, true, Resources.of(4000, 8L << 30),
                "agent-b-2", T0, T0.plusSeconds(60));
        store.write(tx -> {
            tx.upsertNode(b2);
            return null;
        });
        assertEquals(b2, store.read(v -> v.node("b")).orElseThrow());
        assertEquals(List.of(a, b2), store.read(v -> v.nodes()));
        assertTrue(store.read(v -> v.node("c")).isEmpty());

        Node bare = new Node("c", null, NodeStatus.READY, false, null, null, null, null);
        store.write(tx -> {
            tx.upsertNode(bare);
            return null;
        });
        assertEquals(bare, store.read(v -> v.node("c")).orElseThrow());
    }

    // ---- events ----

    @Test
    void eventsAppendWithIncreasingSeqAndFilter() {
        assertEquals(0, lastSeq());
        assertEquals(List.of(), store.read(v -> v.events(EventFilter.all())));
        long s1 = append(jobEvent("j1", "placed"));
        long s2 = append(Event.node(T0, "node-joined", "n1", "hello"));
        long s3 = append(new Event(0, T0, "started", "j2", 0, 1, "n1", JobState.PLACED, JobState.RUNNING, null, Map.of()));
        long s4 = append(jobEvent("j1", "done"));
        assertTrue(s1 > 0 && s1 < s2 && s2 < s3 && s3 < s4);
        assertEquals(s4, lastSeq());

        List<Event> all = store.read(v -> v.events(EventFilter.all()));
        assertEquals(List.of(s1, s2, s3, s4), all.stream().map(Event::seq).toList());
        Event first = all.get(0);
        Event expected = jobEvent("j1", "placed");
        assertEquals(new Event(s1, expected.at(), expected.type(), expected.jobId(), expected.taskIndex(), expected.attempt(),
                expected.node(), expected.from(), expected.to(), expected.reason(), expected.data()), first);
        assertEquals(new Event(s2, T0, "node-joined", null, null, null, "n1", null, null, "hello", Map.of()), all.get(1));

        assertEquals(List.of(s1, s4), seqs(new EventFilter(0, "j1", null, 100)));
        assertEquals(List.of(s2, s3), seqs(new EventFilter(0, null, "n1", 100)));
        assertEquals(List.of(s3), seqs(new EventFilter(0, "j2", "n1", 100)));
        assertEquals(List.of(s3, s4), seqs(new EventFilter(s2, null, null, 100)));
        assertEquals(List.of(s2, s3), seqs(new EventFilter(s1, null, null, 2)));
        assertEquals(List.of(s4), seqs(new EventFilter(s1, "j1", null, 1)));
        assertEquals(List.of(), seqs(new EventFilter(s4, null, null, 100)));
        assertEquals(List.of(), seqs(new EventFilter(0, null, null, 0)));
    }

    private List<Long> seqs(EventFilter f) {
        return store.read(v -> v.events(f)).stream().map(Event::seq).toList();
    }

    // ---- transactions ----

    @Test
    void aWriteThatThrowsLeavesNoTrace() {
        insert(arrayJob("keep", 0, 1));
        long seq = append(jobEvent("keep", "submitted"));
        store.write(tx -> tx.appendLog("g-keep-0-1", 0, bytes("abc")));
        RuntimeException boom = new RuntimeException("boom");

        RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.write(tx -> {
            tx.insertJob(singleJob("gone"));
            tx.updateTask(with(tx.job("keep").orElseThrow().task(0), JobState.RUNNING, "n1"));
            tx.insertAttempt(new Attempt("keep", 0, 1, "n1", JobState.RUNNING, null, T0, null, null, null));
            tx.upsertNode(node("n1", NodeStatus.READY));
            tx.append(jobEvent("gone", "submitted"));
            tx.append(jobEvent("gone", "placed"));
            tx.appendLog("g-keep-0-1", 3, bytes("def"));
            assertTrue(tx.job("gone").isPresent(), "a write sees its own changes");
            assertEquals(seq + 2, tx.lastEventSeq());
            throw boom;
        }));
        assertSame(boom, thrown, "the work's exception propagates unchanged");

        assertTrue(store.read(v -> v.job("gone")).isEmpty());
        assertEquals(JobState.QUEUED, get("keep").state());
        assertEquals(List.of(), store.read(v -> v.attempts("keep")));
        assertEquals(List.of(), store.read(v -> v.nodes()));
        assertEquals(seq, lastSeq());
        assertEquals(List.of(seq), seqs(EventFilter.all()));
        assertEquals(3, logSize("g-keep-0-1"));
        assertEquals(List.of("keep"), ids(JobFilter.inState(JobState.QUEUED)));

        long next = append(jobEvent("keep", "later"));
        assertTrue(next > seq);
        assertEquals(List.of(seq, next), seqs(EventFilter.all()));
    }

    @Test
    void gleanExceptionsPassThroughUnchanged() {
        GleanException mine = new GleanException(ErrorCode.ILLEGAL_STATE, "mine");
        GleanException thrown = assertThrows(GleanException.class, () -> store.read(v -> {
            throw mine;
        }));
        assertSame(mine, thrown);
        thrown = assertThrows(GleanException.class, () -> store.write(tx -> {
            tx.append(jobEvent("j", "x"));
            throw mine;
        }));
        assertSame(mine, thrown);
        assertEquals(0, lastSeq());
    }

    @Test
    void nestedWriteIsASavepointAndNestedReadSeesTheWrite() {
        store.write(tx -> {
            tx.insertJob(singleJob("outer"));
            assertTrue(store.read(v -> v.job("outer")).isPresent(), "a read inside a write joins it");
            RuntimeException e = assertThrows(RuntimeException.class, () -> store.write(inner -> {
                inner.insertJob(singleJob("inner-gone"));
                inner.append(jobEvent("inner-gone", "x"));
                throw new RuntimeException("inner");
            }));
            assertEquals("inner", e.getMessage());
            store.write(inner -> {
                inner.insertJob(singleJob("inner-kept"));
                return null;
            });
            return null;
        });
        assertEquals(List.of("outer", "inner-kept"), ids(JobFilter.ALL));
        assertEquals(0, lastSeq());
        error(ErrorCode.ILLEGAL_STATE, () -> store.read(v -> store.write(tx -> tx.nextJobId())));
    }

    @Test
    void concurrentAppendsGetDistinctSeqs() throws Exception {
        int threads = 4;
        int each = 200;
        ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        seqs.add(append(Event.node(T0, "tick", "n" + id, Integer.toString(i))));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        TreeSet<Long> distinct = new TreeSet<>(seqs);
        assertEquals(threads * each, distinct.size());
        assertEquals(distinct.last(), lastSeq());
        List<Event> all = store.read(v -> v.events(EventFilter.all()));
        assertEquals(threads * each, all.size());
        assertEquals(List.copyOf(distinct), all.stream().map(Event::seq).toList());
        for (int t = 0; t < threads; t++) {
            EventFilter f = new EventFilter(0, null, "n" + t, Integer.MAX_VALUE);
            List<Event> mine = store.read(v -> v.events(f));
            assertEquals(each, mine.size());
            for (int i = 0; i < each; i++) {
                assertEquals(Integer.toString(i), mine.get(i).reason(), "one writer's events keep their order");
            }
        }
    }

    @Test
    void concurrentReadModifyWriteLosesNoUpdate() throws Exception {
        insert(singleJob("counter"));
        int threads = 4;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        store.write(tx -> {
                            Task c = tx.job("counter").orElseThrow().task(0);
                            tx.updateTask(new Task(c.jobId(), 0, c.state(), c.attempts() + 1, c.lostAttempts(), c.node(),
                                    c.exitCode(), c.startedAt(), c.finishedAt(), c.reason()));
                            return null;
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, get("counter").task(0).attempts());
    }

    @Test
    void viewsDoNotOutliveTheirTransaction() {
        var kept = store.read(v -> v);
        error(ErrorCode.ILLEGAL_STATE, () -> kept.job("x"));
    }

    // ---- logs ----

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long appendLog(String id, long offset, String data) {
        return store.write(tx -> tx.appendLog(id, offset, bytes(data)));
    }

    private String readLog(String id, long offset, int max) {
        return new String(store.read(v -> v.readLog(id, offset, max)), StandardCharsets.UTF_8);
    }

    @Test
    void appendLogIsIdempotentAndOnlyAppendsAtTheEnd() {
        String id = "g-7-0-1";
        assertEquals(0, logSize(id));
        assertEquals(5, appendLog(id, 0, "hello"));
        assertEquals(5, appendLog(id, 0, "hello"), "a resent chunk does nothing");
        assertEquals(5, appendLog(id, 0, "HELLO, other text"), "a chunk at a stale offset does nothing");
        assertEquals(5, appendLog(id, 9, "gap"), "a chunk past the end does nothing");
        assertEquals(5, appendLog(id, 5, ""), "an empty chunk does nothing");
        assertEquals(11, appendLog(id, 5, " world"));
        assertEquals(11, logSize(id));
        assertEquals("hello world", readLog(id, 0, 1000));
        assertEquals(0, logSize("g-7-0-2"), "logs are per attempt");
    }

    @Test
    void readLogSpansChunks() {
        String id = "g-9-3-1";
        StringBuilder all = new StringBuilder();
        for (String chunk : List.of("aaaa", "bb", "cccccc", "d", "eeeee")) {
            appendLog(id, all.length(), chunk);
            all.append(chunk);
        }
        String text = all.toString(); // aaaabbccccccdeeeee, chunks at 0, 4, 6, 12, 13
        for (int from = 0; from <= text.length() + 2; from++) {
            for (int max = 0; max <= text.length() + 2; max++) {
                String expect = from >= text.length() ? "" : text.substring(from, Math.min(text.length(), from + max));
                assertEquals(expect, readLog(id, from, max), "from " + from + " max " + max);
            }
        }
        assertEquals(text, readLog(id, 0, Integer.MAX_VALUE));
        assertEquals("", readLog("g-none-0-1", 0, 10));
        assertArrayEquals(new byte[0], store.read(v -> v.readLog(id, Long.MAX_VALUE - 1, 10)));
        error(ErrorCode.INVALID_ARGUMENT, () -> readLog(id, -1, 10));
    }

    @Test
    void logsKeepArbitraryBytes() {
        byte[] data = new byte[256];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        store.write(tx -> tx.appendLog("g-b-0-1", 0, data));
        assertArrayEquals(data, store.read(v -> v.readLog("g-b-0-1", 0, 1000)));
    }

    // ---- durability ----

    @Test
    void everythingSurvivesReopen() throws Exception {
        Job arr = arrayJob("d1", 0, 3);
        insert(arr, singleJob("d2"));
        Task running = with(arr.task(2), JobState.RUNNING, "n1");
        update(running);
        Attempt att = new Attempt("d1", 2, 1, "n1", JobState.RUNNING, null, T0, T0.plusSeconds(1), null, null);
        store.write(tx -> {
            tx.insertAttempt(att);
            tx.upsertNode(node("n1", NodeStatus.READY));
            tx.appendLog(att.attemptId(), 0, bytes("line 1\n"));
            tx.appendLog(att.attemptId(), 7, bytes("line 2\n"));
            return null;
        });
        long s1 = append(jobEvent("d1", "placed"));
        long s2 = append(Event.node(T0, "joined", "n1", null));
        List<Job> before = store.read(v -> v.jobs(JobFilter.ALL));

        reopenStore();

        assertEquals(before, store.read(v -> v.jobs(JobFilter.ALL)));
        assertEquals(List.of("d1"), ids(JobFilter.inState(JobState.RUNNING)));
        assertEquals(List.of(running), store.read(v -> v.tasksOnNode("n1")));
        assertEquals(List.of(att), store.read(v -> v.attempts("d1")));
        assertEquals(List.of(node("n1", NodeStatus.READY)), store.read(v -> v.nodes()));
        assertEquals(List.of(s1, s2), seqs(EventFilter.all()));
        assertEquals(s2, lastSeq());
        assertEquals("line 1\nline 2\n", readLog(att.attemptId(), 0, 100));
        assertTrue(append(jobEvent("d1", "after")) > s2, "seqs continue after a restart");
    }

    @Test
    void jobIdsAreNotReusedAfterReopen() throws Exception {
        String a = store.write(tx -> tx.nextJobId());
        String b = store.write(tx -> {
            String id = tx.nextJobId();
            tx.insertJob(singleJob(id));
            return id;
        });
        reopenStore();
        String c = store.write(tx -> tx.nextJobId());
        assertTrue(Long.parseLong(c) > Long.parseLong(b) && Long.parseLong(b) > Long.parseLong(a), a + " " + b + " " + c);
        reopenStore();
        String d = store.write(tx -> tx.nextJobId());
        assertTrue(Long.parseLong(d) > Long.parseLong(c), c + " " + d);
    }

    @Test
    void aClosedStoreRefusesWork() {
        store.close();
        error(ErrorCode.ILLEGAL_STATE, () -> lastSeq());
        error(ErrorCode.ILLEGAL_STATE, () -> store.write(tx -> tx.nextJobId()));
        store.close(); // twice is fine
        store = null;
    }
}
