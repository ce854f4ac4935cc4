package dev.glean.controller.store;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.Storage;
import dev.glean.core.store.StoreTx;
import dev.glean.core.store.StoreView;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A hand-written fake of the store for fast controller tests (Titus's StubbedJobStore is the model). It
 * passes the same contract suite as {@link SqliteStorage}: same errors, same orders, instants truncated to
 * the millisecond, specs stored through {@link JobSpecCodec}.
 *
 * <p>Transactions: one lock serialises reads and writes. A write works on a copy of the committed state
 * (copy-on-write; the append-only event list is shared and truncated back on rollback) that replaces it
 * only when the work returns, so a write that throws leaves no trace. Nesting behaves like SqliteStorage: a
 * nested write is a savepoint, a nested read joins, a write inside a read is ILLEGAL_STATE.
 *
 * <p>{@link #reopen()} gives a new instance over the same data, for the suite's durability tests.
 */
public final class InMemoryStorage implements Storage {
    /** The data that outlives an instance ("the file"): committed state, lock, job ids handed out. */
    private static final class Backing {
        final ReentrantLock lock = new ReentrantLock();
        final AtomicLong issuedJobId = new AtomicLong();
        State committed = new State();
    }

    private final Backing backing;
    private final ThreadLocal<Tx> current = new ThreadLocal<>();
    private volatile boolean closed;

    public InMemoryStorage() {
        this(new Backing());
    }

    private InMemoryStorage(Backing backing) {
        this.backing = backing;
    }

    /** Closes this instance and opens the same data again, as a restart would. */
    public InMemoryStorage reopen() {
        close();
        return new InMemoryStorage(backing);
    }

    @Override
    public <T> T read(Function<StoreView, T> work) {
        Tx outer = current.get();
        if (outer != null) {
            return work.apply(outer);
        }
        backing.lock.lock();
        try {
            ensureOpen();
            Tx tx = new Tx(backing.committed, false);
            current.set(tx);
            try {
                return work.apply(tx);
            } finally {
                tx.active = false;
                current.remove();
            }
        } finally {
            backing.lock.unlock();
        }
    }

    @Override
    public <T> T write(Function<StoreTx, T> work) {
        Tx outer = current.get();
        if (outer != null) {
            if (!outer.writable) {
                throw new GleanException(ErrorCode.ILLEGAL_STATE, "cannot write inside a read transaction");
            }
            State saved = outer.state;
            int events = saved.events.size();
            outer.state = saved.copy();
            try {
                return work.apply(outer);
            } catch (Throwable t) {
                outer.state = saved;
                saved.truncateEvents(events);
                throw t;
            }
        }
        backing.lock.lock();
        try {
            ensureOpen();
            State base = backing.committed;
            int events = base.events.size();
            Tx tx = new Tx(base.copy(), true);
            current.set(tx);
            try {
                T result = work.apply(tx);
                backing.committed = tx.state;
                return result;
            } catch (Throwable t) {
                base.truncateEvents(events);
                throw t;
            } finally {
                tx.active = false;
                current.remove();
            }
        } finally {
            backing.lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "the store is closed");
        }
    }

    private record AttemptKey(String jobId, int index, int number) implements Comparable<AttemptKey> {
        private static final Comparator<AttemptKey> ORDER = Comparator.comparing(AttemptKey::jobId)
                .thenComparingInt(AttemptKey::index).thenComparingInt(AttemptKey::number);

        @Override
        public int compareTo(AttemptKey o) {
            return ORDER.compare(this, o);
        }
    }

    /** Everything stored. Copies are shallow: the values are immutable records. */
    private static final class State {
        LinkedHashMap<String, Job> jobs = new LinkedHashMap<>(); // in submission order
        long lastJobId;
        TreeMap<AttemptKey, Attempt> attempts = new TreeMap<>();
        TreeMap<String, Node> nodes = new TreeMap<>();
        List<Event> events = new ArrayList<>(); // shared by copies: append-only, truncated on rollback
        long lastSeq;
        HashMap<String, byte[]> logs = new HashMap<>();
        java.util.HashSet<String> held = new java.util.HashSet<>();

        State copy() {
            State s = new State();
            s.jobs = new LinkedHashMap<>(jobs);
            s.lastJobId = lastJobId;
            s.attempts = new TreeMap<>(attempts);
            s.nodes = new TreeMap<>(nodes);
            s.events = events;
            s.lastSeq = lastSeq;
            s.logs = new HashMap<>(logs);
            s.held = new java.util.HashSet<>(held);
            return s;
        }

        void truncateEvents(int size) {
            events.subList(size, events.size()).clear();
        }
    }

    private final class Tx implements StoreTx {
        State state;
        final boolean writable;
        boolean active = true;

        Tx(State state, boolean writable) {
            this.state = state;
            this.writable = writable;
        }

        private State r() {
            if (!active) {
                throw new GleanException(ErrorCode.ILLEGAL_STATE, "the transaction has ended: do not keep a StoreView or StoreTx");
            }
            return state;
        }

        private State w() {
            if (!writable) {
                throw new GleanException(ErrorCode.ILLEGAL_STATE, "a read transaction cannot write");
            }
            return r();
        }

        @Override
        public Optional<Job> job(String id) {
            return Optional.ofNullable(r().jobs.get(id));
        }

        @Override
        public List<Job> jobs(JobFilter filter) {
            if (filter.limit() < 0) {
                throw GleanException.invalid("limit must not be negative: " + filter.limit());
            }
            State s = r();
            boolean started = filter.afterId() == null;
            List<Job> out = new ArrayList<>();
            for (Job j : s.jobs.values()) {
                if (out.size() >= filter.limit()) {
                    break;
                }
                if (!started) {
                    started = j.id().equals(filter.afterId());
                    continue;
                }
                if (filter.state() == null || j.state() == filter.state()) {
                    out.add(j);
                }
            }
            return out;
        }

        @Override
        public List<Task> tasksInStates(Collection<JobState> states) {
            if (states.isEmpty()) {
                return List.of();
            }
            Set<JobState> set = EnumSet.copyOf(states);
            List<Task> out = new ArrayList<>();
            for (Job j : r().jobs.values()) {
                for (Task t : j.tasks()) {
                    if (set.contains(t.state())) {
                        out.add(t);
                    }
                }
            }
            return out;
        }

        @Override
        public List<Task> tasksOnNode(String node) {
            List<Task> out = new ArrayList<>();
            for (Job j : r().jobs.values()) {
                for (Task t : j.tasks()) {
                    if (node != null && node.equals(t.node()) && t.state().onNode()) {
                        out.add(t);
                    }
                }
            }
            return out;
        }

        @Override
        public List<Attempt> attempts(String jobId) {
            return List.copyOf(r().attempts.subMap(new AttemptKey(jobId, Integer.MIN_VALUE, Integer.MIN_VALUE), true,
                    new AttemptKey(jobId, Integer.MAX_VALUE, Integer.MAX_VALUE), true).values());
        }

        @Override
        public Optional<Attempt> attempt(String jobId, int index, int number) {
            return Optional.ofNullable(r().attempts.get(new AttemptKey(jobId, index, number)));
        }

        @Override
        public Optional<Node> node(String name) {
            return Optional.ofNullable(r().nodes.get(name));
        }

        @Override
        public List<Node> nodes() {
            return List.copyOf(r().nodes.values());
        }

        @Override
        public java.util.Set<String> heldJobs() {
            return java.util.Set.copyOf(r().held);
        }

        @Override
        public void setHeld(String jobId, boolean held) {
            State s = w();
            if (!s.jobs.containsKey(jobId)) {
                throw GleanException.notFound("no job '" + jobId + "'");
            }
            if (held) {
                s.held.add(jobId);
            } else {
                s.held.remove(jobId);
            }
        }

        @Override
        public List<Event> events(EventFilter f) {
            if (f.limit() < 0) {
                throw GleanException.invalid("limit must not be negative: " + f.limit());
            }
            List<Event> out = new ArrayList<>();
            for (Event e : r().events) {
                if (out.size() >= f.limit()) {
                    break;
                }
                if (e.seq() > f.afterSeq() && (f.jobId() == null || f.jobId().equals(e.jobId()))
                        && (f.node() == null || f.node().equals(e.node()))) {
                    out.add(e);
                }
            }
            return out;
        }

        @Override
        public long lastEventSeq() {
            List<Event> ev = r().events;
            return ev.isEmpty() ? 0 : ev.get(ev.size() - 1).seq();
        }

        @Override
        public long logSize(String attemptId) {
            byte[] b = r().logs.get(attemptId);
            return b == null ? 0 : b.length;
        }

        @Override
        public byte[] readLog(String attemptId, long offset, int max) {
            if (offset < 0 || max < 0) {
                throw GleanException.invalid("log offset and length must not be negative: " + offset + ", " + max);
            }
            byte[] b = r().logs.getOrDefault(attemptId, new byte[0]);
            if (offset >= b.length) {
                return new byte[0];
            }
            return Arrays.copyOfRange(b, (int) offset, (int) Math.min(b.length, offset + max));
        }

        @Override
        public String nextJobId() {
            State s = w();
            long next = Math.max(s.lastJobId, backing.issuedJobId.get()) + 1;
            while (s.jobs.containsKey(Long.toString(next))) {
                next++;
            }
            s.lastJobId = next;
            backing.issuedJobId.accumulateAndGet(next, Math::max);
            return Long.toString(next);
        }

        @Override
        public void insertJob(Job job) {
            State s = w();
            Set<Integer> seen = new HashSet<>();
            List<Task> tasks = new ArrayList<>();
            for (Task t : job.tasks()) {
                if (!job.id().equals(t.jobId())) {
                    throw GleanException.invalid("task " + t.index() + " names job '" + t.jobId() + "', not '" + job.id() + "'");
                }
                if (!seen.add(t.index())) {
                    throw GleanException.invalid("job " + job.id() + " has task index " + t.index() + " twice");
                }
                tasks.add(ms(t));
            }
            // Through the codec as SqliteStorage does, so what cannot be stored there fails here too.
            var spec = JobSpecCodec.decode(JobSpecCodec.encode(job.spec()));
            if (s.jobs.containsKey(job.id())) {
                throw new GleanException(ErrorCode.CONFLICT, "job '" + job.id() + "' already exists");
            }
            tasks.sort(Comparator.comparingInt(Task::index));
            s.jobs.put(job.id(), new Job(job.id(), spec, ms(job.submittedAt()), tasks));
        }

        @Override
        public void updateTask(Task task) {
            State s = w();
            Job j = s.jobs.get(task.jobId());
            List<Task> tasks = j == null ? List.of() : new ArrayList<>(j.tasks());
            for (int i = 0; i < tasks.size(); i++) {
                if (tasks.get(i).index() == task.index()) {
                    tasks.set(i, ms(task));
                    s.jobs.put(j.id(), new Job(j.id(), j.spec(), j.submittedAt(), tasks));
                    return;
                }
            }
            throw GleanException.notFound("no task " + task.index() + " in job '" + task.jobId() + "'");
        }

        @Override
        public void insertAttempt(Attempt a) {
            State s = w();
            Job j = s.jobs.get(a.jobId());
            if (j == null || j.task(a.index()) == null) {
                throw GleanException.notFound("no task " + a.index() + " in job '" + a.jobId() + "' for attempt " + a.number());
            }
            AttemptKey k = new AttemptKey(a.jobId(), a.index(), a.number());
            if (s.attempts.containsKey(k)) {
                throw new GleanException(ErrorCode.CONFLICT, "attempt " + a.attemptId() + " already exists");
            }
            s.attempts.put(k, ms(a));
        }

        @Override
        public void updateAttempt(Attempt a) {
            State s = w();
            AttemptKey k = new AttemptKey(a.jobId(), a.index(), a.number());
            if (!s.attempts.containsKey(k)) {
                throw GleanException.notFound("no attempt " + a.number() + " of task " + a.index() + " in job '" + a.jobId() + "'");
            }
            s.attempts.put(k, ms(a));
        }

        @Override
        public void upsertNode(Node n) {
            State s = w();
            if (n.name() == null || n.status() == null) {
                throw GleanException.invalid("a node needs a name and a status");
            }
            s.nodes.put(n.name(), new Node(n.name(), n.labels(), n.status(), n.cordoned(), n.capacity(), n.agentInstance(),
                    ms(n.registeredAt()), ms(n.lastSeenAt())));
        }

        @Override
        public long append(Event e) {
            State s = w();
            if (e.type() == null) {
                throw GleanException.invalid("an event needs a type");
            }
            long seq = ++s.lastSeq;
            s.events.add(new Event(seq, ms(e.at()), e.type(), e.jobId(), e.taskIndex(), e.attempt(), e.node(), e.from(), e.to(),
                    e.reason(), e.data()));
            return seq;
        }

        @Override
        public long appendLog(String attemptId, long offset, byte[] data) {
            State s = w();
            if (data == null) {
                throw GleanException.invalid("log data is missing");
            }
            byte[] old = s.logs.getOrDefault(attemptId, new byte[0]);
            if (offset != old.length || data.length == 0) {
                return old.length;
            }
            byte[] b = Arrays.copyOf(old, old.length + data.length);
            System.arraycopy(data, 0, b, old.length, data.length);
            s.logs.put(attemptId, b);
            return b.length;
        }
    }

    private static Instant ms(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS);
    }

    private static Task ms(Task t) {
        return new Task(t.jobId(), t.index(), t.state(), t.attempts(), t.lostAttempts(), t.node(), t.exitCode(),
                ms(t.startedAt()), ms(t.finishedAt()), t.reason());
    }

    private static Attempt ms(Attempt a) {
        return new Attempt(a.jobId(), a.index(), a.number(), a.node(), a.state(), a.exitCode(), ms(a.placedAt()),
                ms(a.startedAt()), ms(a.finishedAt()), a.reason());
    }
}
