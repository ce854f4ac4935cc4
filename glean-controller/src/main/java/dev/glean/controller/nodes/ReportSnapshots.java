package dev.glean.controller.nodes;

import dev.glean.core.job.Attempt;
import dev.glean.core.job.AttemptId;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.StoreView;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store reads one node's report needs — the node's record, its tasks, their jobs, the log sizes of the attempts it
 * reports — kept between that node's reports, so a report that changes nothing is answered without the store (most
 * reports: at 10,000 nodes a store read per report is most of the controller's time).
 *
 * <p>A snapshot is used only while nothing that could change it happened since it was read: the node's desired-state
 * version (bumped after every commit that moves one of its tasks, stops one, or declares it lost), its own generation
 * (bumped after every report of the node that wrote to the store) and an age limit (a bound on anything missed).
 * Both counters are read before the store, so a snapshot read from before a commit never outlives that commit's bump.
 * The age limit of each snapshot is drawn between half of {@link #MAX_AGE} and all of it: snapshots made together (a
 * fleet of agents joining, a controller restart) would otherwise all expire together, and at 10,000 nodes that wave of
 * store reads held every report for a quarter of a second, every {@link #MAX_AGE}.
 * Asked for anything it did not record, a snapshot throws {@link Miss} and the report goes to the store.
 */
final class ReportSnapshots {
    static final Duration MAX_AGE = Duration.ofSeconds(20);

    private final ConcurrentHashMap<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> generations = new ConcurrentHashMap<>();

    /** Thrown by a snapshot asked for a read it does not hold; cheap (no stack trace). */
    static final class Miss extends RuntimeException {
        private static final Miss INSTANCE = new Miss();

        private Miss() {
            super("not in the report snapshot", null, false, false);
        }
    }

    long generation(String node) {
        return generations.computeIfAbsent(node, n -> new AtomicLong()).get();
    }

    /** Something this node's snapshot may hold changed in the store (call after the commit). */
    void invalidate(String node) {
        generations.computeIfAbsent(node, n -> new AtomicLong()).incrementAndGet();
        snapshots.remove(node);
    }

    /** The node's snapshot as a read-only view if it is still good for these counters, else null. */
    StoreView current(String node, long version, long generation, Instant now) {
        Snapshot s = snapshots.get(node);
        if (s == null || s.version != version || s.generation != generation || generation != generation(node)
                || s.expiresAt.isBefore(now)) {
            return null;
        }
        return s;
    }

    /** A view over {@code store} that records what one report of {@code node} reads. */
    Recording recording(StoreView store, String node) {
        return new Recording(store, node);
    }

    /**
     * Keeps what the report read, for its node's next reports. Jobs are kept with only the tasks the node's reports
     * look at (the node's own, the attempts it reports): an array's other tasks would be held once per node.
     */
    void keep(Recording r, List<ContainerReport> containers, long version, long generation, Instant now) {
        if (r.node == null || r.onNode == null) {
            return;
        }
        Map<String, Set<Integer>> indexes = new HashMap<>();
        r.onNode.forEach(t -> indexes.computeIfAbsent(t.jobId(), j -> new HashSet<>()).add(t.index()));
        for (ContainerReport c : containers) {
            try {
                AttemptId id = AttemptId.parse(c.attemptId());
                indexes.computeIfAbsent(id.jobId(), j -> new HashSet<>()).add(id.index());
            } catch (RuntimeException e) {
                // Not one of ours: the report skips it too.
            }
        }
        Map<String, Optional<Job>> jobs = new HashMap<>();
        r.jobs.forEach((id, job) -> jobs.put(id, job.map(j -> trimmed(j, indexes.getOrDefault(id, Set.of())))));
        Snapshot s = new Snapshot(r.name, r.node, List.copyOf(r.onNode), jobs, Map.copyOf(r.logSizes), version, generation,
                expiry(now, java.util.concurrent.ThreadLocalRandom.current().nextDouble()));
        // Only if no invalidation came in between; a later one still wins (current() compares the generation).
        if (generation(r.name) == generation) {
            snapshots.put(r.name, s);
        }
    }

    /** When a snapshot read at {@code readAt} expires, for {@code u} drawn uniformly from [0, 1). */
    static Instant expiry(Instant readAt, double u) {
        return readAt.plusNanos((long) (MAX_AGE.toNanos() * (0.5 + 0.5 * u)));
    }

    int size() {
        return snapshots.size();
    }

    private static Job trimmed(Job job, Set<Integer> keep) {
        if (job.tasks().size() <= keep.size()) {
            return job;
        }
        return new Job(job.id(), job.spec(), job.submittedAt(), job.tasks().stream().filter(t -> keep.contains(t.index())).toList());
    }

    /** Delegates every read; remembers the ones a report of its node makes. */
    static final class Recording implements StoreView {
        private final StoreView store;
        private final String name;
        private Optional<Node> node;
        private List<Task> onNode;
        private final Map<String, Optional<Job>> jobs = new HashMap<>();
        private final Map<String, Long> logSizes = new HashMap<>();

        Recording(StoreView store, String name) {
            this.store = store;
            this.name = name;
        }

        @Override
        public Optional<Node> node(String n) {
            Optional<Node> found = store.node(n);
            if (n.equals(name)) {
                node = found;
            }
            return found;
        }

        @Override
        public List<Task> tasksOnNode(String n) {
            List<Task> found = store.tasksOnNode(n);
            if (n.equals(name)) {
                onNode = found;
            }
            return found;
        }

        @Override
        public Optional<Job> job(String id) {
            Optional<Job> found = store.job(id);
            jobs.put(id, found);
            return found;
        }

        @Override
        public long logSize(String attemptId) {
            long size = store.logSize(attemptId);
            logSizes.put(attemptId, size);
            return size;
        }

        @Override
        public List<Job> jobs(JobFilter filter) {
            return store.jobs(filter);
        }

        @Override
        public List<Task> tasksInStates(Collection<JobState> states) {
            return store.tasksInStates(states);
        }

        @Override
        public List<Attempt> attempts(String jobId) {
            return store.attempts(jobId);
        }

        @Override
        public Optional<Attempt> attempt(String jobId, int index, int number) {
            return store.attempt(jobId, index, number);
        }

        @Override
        public List<Node> nodes() {
            return store.nodes();
        }

        @Override
        public List<Event> events(EventFilter filter) {
            return store.events(filter);
        }

        @Override
        public long lastEventSeq() {
            return store.lastEventSeq();
        }

        @Override
        public Set<String> heldJobs() {
            return store.heldJobs();
        }

        @Override
        public byte[] readLog(String attemptId, long offset, int max) {
            return store.readLog(attemptId, offset, max);
        }
    }

    /** What one report read, answered again; any other read is a {@link Miss}. */
    private record Snapshot(String name, Optional<Node> node, List<Task> onNode, Map<String, Optional<Job>> jobs,
            Map<String, Long> logSizes, long version, long generation, Instant expiresAt) implements StoreView {
        @Override
        public Optional<Node> node(String n) {
            if (!n.equals(name)) {
                throw Miss.INSTANCE;
            }
            return node;
        }

        @Override
        public List<Task> tasksOnNode(String n) {
            if (!n.equals(name)) {
                throw Miss.INSTANCE;
            }
            return onNode;
        }

        @Override
        public Optional<Job> job(String id) {
            Optional<Job> j = jobs.get(id);
            if (j == null) {
                throw Miss.INSTANCE;
            }
            return j;
        }

        @Override
        public long logSize(String attemptId) {
            Long size = logSizes.get(attemptId);
            if (size == null) {
                throw Miss.INSTANCE;
            }
            return size;
        }

        @Override
        public List<Job> jobs(JobFilter filter) {
            throw Miss.INSTANCE;
        }

        @Override
        public List<Task> tasksInStates(Collection<JobState> states) {
            throw Miss.INSTANCE;
        }

        @Override
        public List<Attempt> attempts(String jobId) {
            throw Miss.INSTANCE;
        }

        @Override
        public Optional<Attempt> attempt(String jobId, int index, int number) {
            throw Miss.INSTANCE;
        }

        @Override
        public List<Node> nodes() {
            throw Miss.INSTANCE;
        }

        @Override
        public List<Event> events(EventFilter filter) {
            throw Miss.INSTANCE;
        }

        @Override
        public long lastEventSeq() {
            throw Miss.INSTANCE;
        }

        @Override
        public Set<String> heldJobs() {
            throw Miss.INSTANCE;
        }

        @Override
        public byte[] readLog(String attemptId, long offset, int max) {
            throw Miss.INSTANCE;
        }
    }
}
