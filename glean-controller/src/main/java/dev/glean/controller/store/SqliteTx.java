package dev.glean.controller.store;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.resources.Resources;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.StoreTx;
import java.io.ByteArrayOutputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** One transaction of {@link SqliteStorage}: a read view, or (when {@code writable}) a write. */
final class SqliteTx implements StoreTx {
    private static final String TASK_COLUMNS =
            "t.job_id, t.idx, t.state, t.attempts, t.lost_attempts, t.node, t.exit_code, t.started_at, t.finished_at, t.reason";
    private static final String ATTEMPT_COLUMNS =
            "job_id, idx, number, node, state, exit_code, placed_at, started_at, finished_at, reason";
    private static final String NODE_COLUMNS =
            "name, labels, status, cordoned, cpu_millicores, memory_bytes, agent_instance, registered_at, last_seen_at";
    private static final String EVENT_COLUMNS =
            "seq, at, type, job_id, task_index, attempt, node, from_state, to_state, reason, data";

    private final SqliteStorage storage;
    private final SqliteStorage.Conn conn;
    private final boolean writable;
    private boolean active = true;
    private int savepoints;

    SqliteTx(SqliteStorage storage, SqliteStorage.Conn conn, boolean writable) {
        this.storage = storage;
        this.conn = conn;
        this.writable = writable;
    }

    boolean writable() {
        return writable;
    }

    void end() {
        active = false;
    }

    /** A nested write: its own savepoint, undone alone if {@code work} throws. */
    <T> T savepoint(Function<? super StoreTx, T> work) {
        String name = "sp" + (++savepoints);
        try {
            exec("SAVEPOINT " + name, "open a savepoint");
            T result;
            try {
                result = work.apply(this);
            } catch (Throwable t) {
                try {
                    conn.exec("ROLLBACK TO " + name);
                    conn.exec("RELEASE " + name);
                } catch (SQLException e) {
                    t.addSuppressed(e);
                }
                throw t;
            }
            exec("RELEASE " + name, "release a savepoint");
            return result;
        } finally {
            savepoints--;
        }
    }

    // ---- reads ----

    @Override
    public Optional<Job> job(String id) {
        try {
            PreparedStatement ps = prepare("SELECT id, submitted_at, spec FROM jobs WHERE id = ?");
            ps.setString(1, id);
            JobRow row;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                row = jobRow(rs);
            }
            PreparedStatement ts = prepare("SELECT " + TASK_COLUMNS + " FROM tasks t WHERE t.job_id = ? ORDER BY t.idx");
            ts.setString(1, id);
            List<Task> tasks = new ArrayList<>();
            try (ResultSet rs = ts.executeQuery()) {
                while (rs.next()) {
                    tasks.add(task(rs));
                }
            }
            return Optional.of(row.job(tasks));
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read job " + id, e);
        }
    }

    @Override
    public List<Job> jobs(JobFilter filter) {
        if (filter.limit() < 0) {
            throw GleanException.invalid("limit must not be negative: " + filter.limit());
        }
        if (filter.limit() == 0) {
            return List.of();
        }
        // The selection once as a CTE: the jobs, then all their tasks in one more query (never one per job).
        StringBuilder where = new StringBuilder("1 = 1");
        if (filter.state() != null) {
            where.append(" AND state = ?");
        }
        if (filter.afterId() != null) {
            where.append(" AND seq > (SELECT a.seq FROM jobs a WHERE a.id = ?)");
        }
        String selection = "SELECT seq, id, submitted_at, spec FROM jobs WHERE " + where + " ORDER BY seq LIMIT ?";
        try {
            PreparedStatement ps = prepare(selection);
            bindJobFilter(ps, filter);
            List<JobRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new JobRow(rs.getString(2), instant(rs, 3), rs.getString(4)));
                }
            }
            if (rows.isEmpty()) {
                return List.of();
            }
            PreparedStatement ts = prepare("WITH sel AS (" + selection + ") SELECT " + TASK_COLUMNS
                    + " FROM sel JOIN tasks t ON t.job_id = sel.id ORDER BY sel.seq, t.idx");
            bindJobFilter(ts, filter);
            Map<String, List<Task>> tasks = new HashMap<>();
            try (ResultSet rs = ts.executeQuery()) {
                while (rs.next()) {
                    Task t = task(rs);
                    tasks.computeIfAbsent(t.jobId(), k -> new ArrayList<>()).add(t);
                }
            }
            List<Job> jobs = new ArrayList<>(rows.size());
            for (JobRow r : rows) {
                jobs.add(r.job(tasks.getOrDefault(r.id, List.of())));
            }
            return jobs;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list jobs", e);
        }
    }

    private static void bindJobFilter(PreparedStatement ps, JobFilter filter) throws SQLException {
        int i = 1;
        if (filter.state() != null) {
            ps.setString(i++, filter.state().name());
        }
        if (filter.afterId() != null) {
            ps.setString(i++, filter.afterId());
        }
        ps.setInt(i, filter.limit());
    }

    @Override
    public List<Task> tasksInStates(Collection<JobState> states) {
        if (states.isEmpty()) {
            return List.of();
        }
        EnumSet<JobState> set = EnumSet.copyOf(states);
        String marks = String.join(", ", java.util.Collections.nCopies(set.size(), "?"));
        try {
            PreparedStatement ps = prepare("SELECT " + TASK_COLUMNS + " FROM tasks t JOIN jobs j ON j.id = t.job_id"
                    + " WHERE t.state IN (" + marks + ") ORDER BY j.seq, t.idx");
            int i = 1;
            for (JobState s : set) {
                ps.setString(i++, s.name());
            }
            return tasks(ps);
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list tasks in " + set, e);
        }
    }

    @Override
    public List<Task> tasksOnNode(String node) {
        try {
            PreparedStatement ps = prepare("SELECT " + TASK_COLUMNS + " FROM tasks t JOIN jobs j ON j.id = t.job_id"
                    + " WHERE t.node = ? AND t.state IN ('PLACED', 'RUNNING', 'SUSPENDED') ORDER BY j.seq, t.idx");
            ps.setString(1, node);
            return tasks(ps);
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list tasks on node " + node, e);
        }
    }

    @Override
    public List<Attempt> attempts(String jobId) {
        try {
            PreparedStatement ps = prepare("SELECT " + ATTEMPT_COLUMNS + " FROM attempts WHERE job_id = ? ORDER BY idx, number");
            ps.setString(1, jobId);
            List<Attempt> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(attempt(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list attempts of job " + jobId, e);
        }
    }

    @Override
    public Optional<Attempt> attempt(String jobId, int index, int number) {
        try {
            PreparedStatement ps = prepare("SELECT " + ATTEMPT_COLUMNS + " FROM attempts WHERE job_id = ? AND idx = ? AND number = ?");
            ps.setString(1, jobId);
            ps.setInt(2, index);
            ps.setInt(3, number);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(attempt(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read attempt " + jobId + "/" + index + "/" + number, e);
        }
    }

    @Override
    public Optional<Node> node(String name) {
        try {
            PreparedStatement ps = prepare("SELECT " + NODE_COLUMNS + " FROM nodes WHERE name = ?");
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(node(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read node " + name, e);
        }
    }

    @Override
    public List<Node> nodes() {
        try {
            PreparedStatement ps = prepare("SELECT " + NODE_COLUMNS + " FROM nodes ORDER BY name");
            List<Node> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(node(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list nodes", e);
        }
    }

    @Override
    public java.util.Set<String> heldJobs() {
        try {
            PreparedStatement ps = prepare("SELECT job_id FROM holds");
            java.util.Set<String> out = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list held jobs", e);
        }
    }

    @Override
    public void setHeld(String jobId, boolean held) {
        requireWritable();
        if (job(jobId).isEmpty()) {
            throw GleanException.notFound("no job '" + jobId + "'");
        }
        try {
            PreparedStatement ps = prepare(held ? "INSERT INTO holds (job_id) VALUES (?) ON CONFLICT (job_id) DO NOTHING"
                    : "DELETE FROM holds WHERE job_id = ?");
            ps.setString(1, jobId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqliteStorage.storageError((held ? "hold" : "release") + " job " + jobId, e);
        }
    }

    @Override
    public List<Event> events(EventFilter filter) {
        if (filter.limit() < 0) {
            throw GleanException.invalid("limit must not be negative: " + filter.limit());
        }
        if (filter.limit() == 0) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM events WHERE seq > ?");
        if (filter.jobId() != null) {
            sql.append(" AND job_id = ?");
        }
        if (filter.node() != null) {
            sql.append(" AND node = ?");
        }
        sql.append(" ORDER BY seq LIMIT ?");
        try {
            PreparedStatement ps = prepare(sql.toString());
            int i = 1;
            ps.setLong(i++, filter.afterSeq());
            if (filter.jobId() != null) {
                ps.setString(i++, filter.jobId());
            }
            if (filter.node() != null) {
                ps.setString(i++, filter.node());
            }
            ps.setInt(i, filter.limit());
            List<Event> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(event(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("list events", e);
        }
    }

    @Override
    public Map<JobState, Long> jobCounts() {
        return counts("SELECT state, COUNT(*) FROM jobs GROUP BY state", "count jobs by state");
    }

    @Override
    public Map<JobState, Long> taskCounts() {
        return counts("SELECT state, COUNT(*) FROM tasks GROUP BY state", "count tasks by state");
    }

    private Map<JobState, Long> counts(String sql, String what) {
        try {
            Map<JobState, Long> m = new java.util.EnumMap<>(JobState.class);
            PreparedStatement ps = prepare(sql);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.put(JobState.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
            return m;
        } catch (SQLException e) {
            throw SqliteStorage.storageError(what, e);
        }
    }

    @Override
    public long lastEventSeq() {
        try {
            PreparedStatement ps = prepare("SELECT COALESCE(MAX(seq), 0) FROM events");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read the last event seq", e);
        }
    }

    @Override
    public long logSize(String attemptId) {
        try {
            PreparedStatement ps = prepare("SELECT byte_offset + length(data) FROM log_chunks WHERE attempt_id = ?"
                    + " ORDER BY byte_offset DESC LIMIT 1");
            ps.setString(1, attemptId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read the log size of " + attemptId, e);
        }
    }

    @Override
    public byte[] readLog(String attemptId, long offset, int max) {
        if (offset < 0 || max < 0) {
            throw GleanException.invalid("log offset and length must not be negative: " + offset + ", " + max);
        }
        if (max == 0) {
            return new byte[0];
        }
        long end = offset > Long.MAX_VALUE - max ? Long.MAX_VALUE : offset + max;
        try {
            // From the chunk that holds `offset` (the last one starting at or before it) up to `end`.
            PreparedStatement ps = prepare("SELECT byte_offset, data FROM log_chunks WHERE attempt_id = ?"
                    + " AND byte_offset >= COALESCE((SELECT MAX(c.byte_offset) FROM log_chunks c"
                    + " WHERE c.attempt_id = ? AND c.byte_offset <= ?), 0)"
                    + " AND byte_offset < ? ORDER BY byte_offset");
            ps.setString(1, attemptId);
            ps.setString(2, attemptId);
            ps.setLong(3, offset);
            ps.setLong(4, end);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long start = rs.getLong(1);
                    byte[] data = rs.getBytes(2);
                    long from = Math.max(offset, start);
                    long to = Math.min(end, start + data.length);
                    if (to > from) {
                        out.write(data, (int) (from - start), (int) (to - from));
                    }
                }
            }
            return out.toByteArray();
        } catch (SQLException e) {
            throw SqliteStorage.storageError("read the log of " + attemptId, e);
        }
    }

    // ---- writes ----

    @Override
    public String nextJobId() {
        requireWritable();
        try {
            PreparedStatement ps = prepare("SELECT last_value FROM id_sequences WHERE name = 'job'");
            long last;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new GleanException(ErrorCode.STORAGE_ERROR, "storage: the job id sequence is missing");
                }
                last = rs.getLong(1);
            }
            long next = Math.max(last, storage.issuedJobId.get()) + 1;
            while (jobExists(Long.toString(next))) { // an id inserted by hand: skip it
                next++;
            }
            PreparedStatement up = prepare("UPDATE id_sequences SET last_value = ? WHERE name = 'job'");
            up.setLong(1, next);
            up.executeUpdate();
            storage.issuedJobId.accumulateAndGet(next, Math::max);
            return Long.toString(next);
        } catch (SQLException e) {
            throw SqliteStorage.storageError("draw a job id", e);
        }
    }

    @Override
    public void insertJob(Job job) {
        requireWritable();
        Set<Integer> seen = new HashSet<>();
        for (Task t : job.tasks()) {
            if (!job.id().equals(t.jobId())) {
                throw GleanException.invalid("task " + t.index() + " names job '" + t.jobId() + "', not '" + job.id() + "'");
            }
            if (!seen.add(t.index())) {
                throw GleanException.invalid("job " + job.id() + " has task index " + t.index() + " twice");
            }
        }
        String spec = JobSpecCodec.encode(job.spec());
        try {
            // Checked first, not left to the UNIQUE constraint: the transaction stays usable after CONFLICT
            // (PostgreSQL aborts a transaction on any failed statement).
            if (jobExists(job.id())) {
                throw new GleanException(ErrorCode.CONFLICT, "job '" + job.id() + "' already exists");
            }
            JobSpec s = job.spec();
            PreparedStatement ps = prepare("INSERT INTO jobs (id, name, tenant, priority, submitted_at, state, spec)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)");
            ps.setString(1, job.id());
            ps.setString(2, s.name());
            ps.setString(3, s.tenant());
            ps.setInt(4, s.priority());
            setInstant(ps, 5, job.submittedAt());
            ps.setString(6, job.state().name());
            ps.setString(7, spec);
            ps.executeUpdate();

            PreparedStatement ts = prepare("INSERT INTO tasks (job_id, idx, state, attempts, lost_attempts, node, exit_code,"
                    + " started_at, finished_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            for (Task t : job.tasks()) {
                bindTask(ts, t);
                ts.addBatch();
            }
            if (!job.tasks().isEmpty()) {
                ts.executeBatch();
            }
            PreparedStatement cs = prepare("INSERT INTO job_task_counts (job_id, state, n) VALUES (?, ?, ?)");
            for (Map.Entry<JobState, Integer> e : job.taskCounts().entrySet()) {
                cs.setString(1, job.id());
                cs.setString(2, e.getKey().name());
                cs.setInt(3, e.getValue());
                cs.addBatch();
            }
            if (!job.tasks().isEmpty()) {
                cs.executeBatch();
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("insert job " + job.id(), e);
        }
    }

    @Override
    public void updateTask(Task task) {
        requireWritable();
        try {
            PreparedStatement ps = prepare("SELECT state FROM tasks WHERE job_id = ? AND idx = ?");
            ps.setString(1, task.jobId());
            ps.setInt(2, task.index());
            JobState old;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw GleanException.notFound("no task " + task.index() + " in job '" + task.jobId() + "'");
                }
                old = JobState.valueOf(rs.getString(1));
            }
            PreparedStatement up = prepare("UPDATE tasks SET state = ?, attempts = ?, lost_attempts = ?, node = ?,"
                    + " exit_code = ?, started_at = ?, finished_at = ?, reason = ? WHERE job_id = ? AND idx = ?");
            up.setString(1, task.state().name());
            up.setInt(2, task.attempts());
            up.setInt(3, task.lostAttempts());
            up.setString(4, task.node());
            setInteger(up, 5, task.exitCode());
            setInstant(up, 6, task.startedAt());
            setInstant(up, 7, task.finishedAt());
            up.setString(8, task.reason());
            up.setString(9, task.jobId());
            up.setInt(10, task.index());
            up.executeUpdate();
            if (old != task.state()) {
                recountJobState(task.jobId(), old, task.state());
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("update task " + task.index() + " of job " + task.jobId(), e);
        }
    }

    /** Moves one task from {@code from} to {@code to} in the job's counts and stores the new aggregate. */
    private void recountJobState(String jobId, JobState from, JobState to) throws SQLException {
        PreparedStatement dec = prepare("UPDATE job_task_counts SET n = n - 1 WHERE job_id = ? AND state = ?");
        dec.setString(1, jobId);
        dec.setString(2, from.name());
        dec.executeUpdate();
        PreparedStatement inc = prepare("INSERT INTO job_task_counts (job_id, state, n) VALUES (?, ?, 1)"
                + " ON CONFLICT (job_id, state) DO UPDATE SET n = n + 1");
        inc.setString(1, jobId);
        inc.setString(2, to.name());
        inc.executeUpdate();
        PreparedStatement counts = prepare("SELECT state, n FROM job_task_counts WHERE job_id = ? AND n > 0");
        counts.setString(1, jobId);
        Map<JobState, Integer> m = new EnumMap<>(JobState.class);
        try (ResultSet rs = counts.executeQuery()) {
            while (rs.next()) {
                m.put(JobState.valueOf(rs.getString(1)), rs.getInt(2));
            }
        }
        PreparedStatement st = prepare("UPDATE jobs SET state = ? WHERE id = ?");
        st.setString(1, JobState.aggregate(new StateMultiset(m)).name());
        st.setString(2, jobId);
        st.executeUpdate();
    }

    @Override
    public void insertAttempt(Attempt a) {
        requireWritable();
        try {
            PreparedStatement task = prepare("SELECT 1 FROM tasks WHERE job_id = ? AND idx = ?");
            task.setString(1, a.jobId());
            task.setInt(2, a.index());
            try (ResultSet rs = task.executeQuery()) {
                if (!rs.next()) {
                    throw GleanException.notFound("no task " + a.index() + " in job '" + a.jobId() + "' for attempt " + a.number());
                }
            }
            PreparedStatement ex = prepare("SELECT 1 FROM attempts WHERE job_id = ? AND idx = ? AND number = ?");
            ex.setString(1, a.jobId());
            ex.setInt(2, a.index());
            ex.setInt(3, a.number());
            try (ResultSet rs = ex.executeQuery()) {
                if (rs.next()) {
                    throw new GleanException(ErrorCode.CONFLICT, "attempt " + a.attemptId() + " already exists");
                }
            }
            PreparedStatement ps = prepare("INSERT INTO attempts (node, state, exit_code, placed_at, started_at, finished_at,"
                    + " reason, job_id, idx, number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            bindAttempt(ps, a);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqliteStorage.storageError("insert attempt " + a.attemptId(), e);
        }
    }

    @Override
    public void updateAttempt(Attempt a) {
        requireWritable();
        try {
            PreparedStatement ps = prepare("UPDATE attempts SET node = ?, state = ?, exit_code = ?, placed_at = ?,"
                    + " started_at = ?, finished_at = ?, reason = ? WHERE job_id = ? AND idx = ? AND number = ?");
            bindAttempt(ps, a);
            if (ps.executeUpdate() == 0) {
                throw GleanException.notFound("no attempt " + a.number() + " of task " + a.index() + " in job '" + a.jobId() + "'");
            }
        } catch (SQLException e) {
            throw SqliteStorage.storageError("update attempt " + a.attemptId(), e);
        }
    }

    @Override
    public void upsertNode(Node n) {
        requireWritable();
        if (n.name() == null || n.status() == null) {
            throw GleanException.invalid("a node needs a name and a status");
        }
        try {
            PreparedStatement ps = prepare("INSERT INTO nodes (" + NODE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, status = excluded.status,"
                    + " cordoned = excluded.cordoned, cpu_millicores = excluded.cpu_millicores,"
                    + " memory_bytes = excluded.memory_bytes, agent_instance = excluded.agent_instance,"
                    + " registered_at = excluded.registered_at, last_seen_at = excluded.last_seen_at");
            ps.setString(1, n.name());
            ps.setString(2, JobSpecCodec.encodeMap(n.labels()));
            ps.setString(3, n.status().name());
            ps.setInt(4, n.cordoned() ? 1 : 0);
            setLong(ps, 5, n.capacity() == null ? null : n.capacity().cpu().value());
            setLong(ps, 6, n.capacity() == null ? null : n.capacity().memory().value());
            ps.setString(7, n.agentInstance());
            setInstant(ps, 8, n.registeredAt());
            setInstant(ps, 9, n.lastSeenAt());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqliteStorage.storageError("store node " + n.name(), e);
        }
    }

    @Override
    public long append(Event e) {
        requireWritable();
        if (e.type() == null) {
            throw GleanException.invalid("an event needs a type");
        }
        try {
            PreparedStatement ps = prepare("INSERT INTO events (at, type, job_id, task_index, attempt, node, from_state,"
                    + " to_state, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq");
            setInstant(ps, 1, e.at());
            ps.setString(2, e.type());
            ps.setString(3, e.jobId());
            setInteger(ps, 4, e.taskIndex());
            setInteger(ps, 5, e.attempt());
            ps.setString(6, e.node());
            ps.setString(7, e.from() == null ? null : e.from().name());
            ps.setString(8, e.to() == null ? null : e.to().name());
            ps.setString(9, e.reason());
            ps.setString(10, JobSpecCodec.encodeMap(e.data()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException ex) {
            throw SqliteStorage.storageError("append a " + e.type() + " event", ex);
        }
    }

    @Override
    public long appendLog(String attemptId, long offset, byte[] data) {
        requireWritable();
        if (data == null) {
            throw GleanException.invalid("log data is missing");
        }
        long size = logSize(attemptId);
        if (offset != size || data.length == 0) {
            return size;
        }
        try {
            PreparedStatement ps = prepare("INSERT INTO log_chunks (attempt_id, byte_offset, data) VALUES (?, ?, ?)");
            ps.setString(1, attemptId);
            ps.setLong(2, offset);
            ps.setBytes(3, data);
            ps.executeUpdate();
            return size + data.length;
        } catch (SQLException e) {
            throw SqliteStorage.storageError("append to the log of " + attemptId, e);
        }
    }

    // ---- helpers ----

    private PreparedStatement prepare(String sql) throws SQLException {
        if (!active) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "the transaction has ended: do not keep a StoreView or StoreTx");
        }
        return conn.prepare(sql);
    }

    private void exec(String sql, String what) {
        try {
            prepare(sql).execute();
        } catch (SQLException e) {
            throw SqliteStorage.storageError(what, e);
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "a read transaction cannot write");
        }
        if (!active) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "the transaction has ended: do not keep a StoreView or StoreTx");
        }
    }

    private boolean jobExists(String id) throws SQLException {
        PreparedStatement ps = prepare("SELECT 1 FROM jobs WHERE id = ?");
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private List<Task> tasks(PreparedStatement ps) throws SQLException {
        List<Task> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(task(rs));
            }
        }
        return out;
    }

    private static void bindTask(PreparedStatement ps, Task t) throws SQLException {
        ps.setString(1, t.jobId());
        ps.setInt(2, t.index());
        ps.setString(3, t.state().name());
        ps.setInt(4, t.attempts());
        ps.setInt(5, t.lostAttempts());
        ps.setString(6, t.node());
        setInteger(ps, 7, t.exitCode());
        setInstant(ps, 8, t.startedAt());
        setInstant(ps, 9, t.finishedAt());
        ps.setString(10, t.reason());
    }

    private static Task task(ResultSet rs) throws SQLException {
        return new Task(rs.getString(1), rs.getInt(2), JobState.valueOf(rs.getString(3)), rs.getInt(4), rs.getInt(5),
                rs.getString(6), integer(rs, 7), instant(rs, 8), instant(rs, 9), rs.getString(10));
    }

    private static void bindAttempt(PreparedStatement ps, Attempt a) throws SQLException {
        ps.setString(1, a.node());
        ps.setString(2, a.state().name());
        setInteger(ps, 3, a.exitCode());
        setInstant(ps, 4, a.placedAt());
        setInstant(ps, 5, a.startedAt());
        setInstant(ps, 6, a.finishedAt());
        ps.setString(7, a.reason());
        ps.setString(8, a.jobId());
        ps.setInt(9, a.index());
        ps.setInt(10, a.number());
    }

    private static Attempt attempt(ResultSet rs) throws SQLException {
        return new Attempt(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4), JobState.valueOf(rs.getString(5)),
                integer(rs, 6), instant(rs, 7), instant(rs, 8), instant(rs, 9), rs.getString(10));
    }

    private static Node node(ResultSet rs) throws SQLException {
        long cpu = rs.getLong(5);
        boolean noCpu = rs.wasNull();
        long mem = rs.getLong(6);
        boolean noMem = rs.wasNull();
        return new Node(rs.getString(1), JobSpecCodec.decodeLabels(rs.getString(2)), NodeStatus.valueOf(rs.getString(3)),
                rs.getInt(4) != 0, noCpu || noMem ? null : Resources.of(cpu, mem), rs.getString(7),
                instant(rs, 8), instant(rs, 9));
    }

    private static Event event(ResultSet rs) throws SQLException {
        String from = rs.getString(8);
        String to = rs.getString(9);
        return new Event(rs.getLong(1), instant(rs, 2), rs.getString(3), rs.getString(4), integer(rs, 5), integer(rs, 6),
                rs.getString(7), from == null ? null : JobState.valueOf(from), to == null ? null : JobState.valueOf(to),
                rs.getString(10), JobSpecCodec.decodeMap(rs.getString(11)));
    }

    private static JobRow jobRow(ResultSet rs) throws SQLException {
        return new JobRow(rs.getString(1), instant(rs, 2), rs.getString(3));
    }

    private record JobRow(String id, Instant submittedAt, String spec) {
        Job job(List<Task> tasks) {
            return new Job(id, JobSpecCodec.decode(spec), submittedAt, tasks);
        }
    }

    /** Instants are stored as epoch milliseconds: anything finer is truncated. */
    private static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, t.toEpochMilli());
        }
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void setInteger(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static Integer integer(ResultSet rs, int i) throws SQLException {
        int v = rs.getInt(i);
        return rs.wasNull() ? null : v;
    }
}
