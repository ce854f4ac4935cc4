-- glean controller store, SQLite dialect. A PostgreSQL adapter keeps the same tables and columns in
-- db/migration/postgresql (BIGINT for INTEGER, BYTEA for BLOB, identity columns for AUTOINCREMENT and a
-- SEQUENCE for id_sequences).
--
-- Conventions:
--   * every instant is epoch milliseconds (INTEGER); instants are truncated to the millisecond;
--   * states are JobState / NodeStatus names;
--   * maps (labels, env, event data) and the job spec are JSON text (see JobSpecCodec).

-- Named counters that must never go backwards, even across restarts (nextJobId).
CREATE TABLE id_sequences (
    name       TEXT    NOT NULL PRIMARY KEY,
    last_value INTEGER NOT NULL
);
INSERT INTO id_sequences (name, last_value) VALUES ('job', 0);

CREATE TABLE jobs (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- submission order; never reused
    id           TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    tenant       TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    submitted_at INTEGER,
    state        TEXT    NOT NULL,                   -- JobState.aggregate of the tasks, kept by updateTask
    spec         TEXT    NOT NULL                    -- JSON, JobSpecCodec
);
CREATE INDEX jobs_state ON jobs (state, seq);
CREATE INDEX jobs_tenant ON jobs (tenant, seq);

CREATE TABLE tasks (
    job_id        TEXT    NOT NULL REFERENCES jobs (id),
    idx           INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    lost_attempts INTEGER NOT NULL,
    node          TEXT,
    exit_code     INTEGER,
    started_at    INTEGER,
    finished_at   INTEGER,
    reason        TEXT,
    PRIMARY KEY (job_id, idx)
);
CREATE INDEX tasks_state ON tasks (state);
CREATE INDEX tasks_node ON tasks (node) WHERE node IS NOT NULL;

-- How many tasks of each job are in each state: lets updateTask recompute the job's aggregate state in
-- O(1) instead of reading every task of a 100,000-task array. Rows with n = 0 may remain.
CREATE TABLE job_task_counts (
    job_id TEXT    NOT NULL REFERENCES jobs (id),
    state  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (job_id, state)
);

CREATE TABLE attempts (
    job_id      TEXT    NOT NULL,
    idx         INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    node        TEXT,
    state       TEXT    NOT NULL,
    exit_code   INTEGER,
    placed_at   INTEGER,
    started_at  INTEGER,
    finished_at INTEGER,
    reason      TEXT,
    PRIMARY KEY (job_id, idx, number),
    FOREIGN KEY (job_id, idx) REFERENCES tasks (job_id, idx)
);

CREATE TABLE nodes (
    name           TEXT    NOT NULL PRIMARY KEY,
    labels         TEXT    NOT NULL,  -- JSON object
    status         TEXT    NOT NULL,
    cordoned       INTEGER NOT NULL,  -- 0 / 1
    cpu_millicores INTEGER,           -- capacity; both NULL when unknown
    memory_bytes   INTEGER,
    agent_instance TEXT,
    registered_at  INTEGER,
    last_seen_at   INTEGER
);

-- The append-only event log.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    at         INTEGER,
    type       TEXT    NOT NULL,
    job_id     TEXT,
    task_index INTEGER,
    attempt    INTEGER,
    node       TEXT,
    from_state TEXT,
    to_state   TEXT,
    reason     TEXT,
    data       TEXT    NOT NULL                    -- JSON object of strings
);
CREATE INDEX events_job ON events (job_id, seq) WHERE job_id IS NOT NULL;
CREATE INDEX events_node ON events (node, seq) WHERE node IS NOT NULL;
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- An attempt's log as consecutive chunks: a chunk starts where the previous one ended.
CREATE TABLE log_chunks (
    attempt_id  TEXT    NOT NULL,
    byte_offset INTEGER NOT NULL,
    data        BLOB    NOT NULL,
    PRIMARY KEY (attempt_id, byte_offset)
);
