package dev.glean.controller.store;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.store.Storage;
import dev.glean.core.store.StoreTx;
import dev.glean.core.store.StoreView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file (the data directory's {@code glean.db}, say).
 *
 * <p>Connections: one writer, guarded by a lock, so writes are serialised in this process (and
 * {@code BEGIN IMMEDIATE} plus a busy timeout serialises them against any other process on the file); and a
 * few read-only connections, so reads run beside a write and see the last committed state (WAL snapshot).
 *
 * <p>Nesting: {@code read} or {@code write} called from inside a {@code write} on the same thread joins that
 * transaction (a nested write is a savepoint: its exception undoes only its own changes, then propagates);
 * {@code read} inside {@code read} joins too; {@code write} inside {@code read} is ILLEGAL_STATE.
 *
 * <p>Semantics the contract suite pins beyond the port's javadoc: stored instants are epoch milliseconds
 * (anything finer is truncated); "submission order" is insertion order; tasks come back by index;
 * {@code tasksOnNode} returns every task whose {@code node} names the node, finished ones included;
 * {@code jobs} after an unknown {@code afterId} is empty; job ids come from a persisted counter, skip ids
 * already taken, and an id drawn in a write that rolled back is not handed out again by this process (as
 * with a PostgreSQL sequence; after a restart it may be, as nothing committed names it).
 *
 * <p>Schema: Flyway migrations in {@code classpath:db/migration/sqlite}, applied when the store is opened.
 */
public final class SqliteStorage implements Storage {
    public static final String MIGRATIONS = "classpath:db/migration/sqlite";

    private static final int READERS = 4;
    /** How long a write waits for another process's write lock before failing with STORAGE_ERROR. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    private final Path file;
    private final int busyTimeoutMs;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final BlockingQueue<Conn> readers = new ArrayBlockingQueue<>(READERS);
    private final ThreadLocal<SqliteTx> current = new ThreadLocal<>();
    /** Highest job id handed out by this process: ids are not reused even after a rolled-back write. */
    final AtomicLong issuedJobId = new AtomicLong();
    /** Statements run, for tests that check a read is not N+1. */
    final AtomicLong statements = new AtomicLong();
    private Conn writer; // guarded by writeLock
    private volatile boolean closed;

    private SqliteStorage(Path file, int busyTimeoutMs) {
        this.file = file;
        this.busyTimeoutMs = busyTimeoutMs;
    }

    /** Opens (creating if needed) the store in {@code file} and brings its schema up to date. */
    public static SqliteStorage open(Path file) {
        return open(file, BUSY_TIMEOUT_MS);
    }

    static SqliteStorage open(Path file, int busyTimeoutMs) {
        Path f = file.toAbsolutePath();
        SqliteStorage s = new SqliteStorage(f, busyTimeoutMs);
        try {
            Path dir = f.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            s.writer = s.connect(true);
            migrate(s.dataSource());
            for (int i = 0; i < READERS; i++) {
                s.readers.add(s.connect(false));
            }
            return s;
        } catch (SQLException | IOException | FlywayException e) {
            s.close();
            throw new GleanException(ErrorCode.STORAGE_ERROR, "storage: cannot open the store " + f + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public <T> T read(Function<StoreView, T> work) {
        SqliteTx outer = current.get();
        if (outer != null) {
            return work.apply(outer);
        }
        Conn c = borrowReader();
        try {
            return inTransaction(c, false, work);
        } finally {
            giveBack(c);
        }
    }

    @Override
    public <T> T write(Function<StoreTx, T> work) {
        SqliteTx outer = current.get();
        if (outer != null) {
            if (!outer.writable()) {
                throw new GleanException(ErrorCode.ILLEGAL_STATE, "cannot write inside a read transaction");
            }
            return outer.savepoint(work);
        }
        writeLock.lock();
        try {
            ensureOpen();
            if (!writer.usable()) {
                writer.closeQuietly();
                writer = connect(true);
            }
            return inTransaction(writer, true, work);
        } catch (SQLException e) {
            throw storageError("reopen the writer connection", e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (writer != null) {
                writer.closeQuietly();
            }
        } finally {
            writeLock.unlock();
        }
        // Readers in use now are closed when they come back (giveBack sees closed).
        closeReaders();
    }

    // ---- transactions ----

    private <T> T inTransaction(Conn c, boolean write, Function<? super SqliteTx, T> work) {
        try {
            c.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
        } catch (SQLException e) {
            throw storageError(write ? "begin a write" : "begin a read", e);
        }
        SqliteTx tx = new SqliteTx(this, c, write);
        current.set(tx);
        try {
            T result;
            try {
                result = work.apply(tx);
            } catch (Throwable t) {
                rollback(c, t);
                throw t;
            }
            try {
                c.exec("COMMIT");
            } catch (SQLException e) {
                GleanException g = storageError("commit", e);
                rollback(c, g);
                throw g;
            }
            return result;
        } finally {
            tx.end();
            current.remove();
        }
    }

    private static void rollback(Conn c, Throwable cause) {
        try {
            c.exec("ROLLBACK");
        } catch (SQLException e) {
            // The connection's state is unknown now: it is replaced before its next use.
            c.broken = true;
            cause.addSuppressed(e);
        }
    }

    static GleanException storageError(String what, SQLException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_BUSY")) {
            msg += " (another process holds the database: is a second controller using the same data directory?)";
        }
        return new GleanException(ErrorCode.STORAGE_ERROR, "storage: cannot " + what + ": " + msg, e);
    }

    private void ensureOpen() {
        if (closed) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "the store " + file + " is closed");
        }
    }

    private Conn borrowReader() {
        Conn c;
        try {
            do {
                ensureOpen();
                c = readers.poll(100, TimeUnit.MILLISECONDS);
            } while (c == null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GleanException(ErrorCode.UNAVAILABLE, "interrupted while waiting for a store connection");
        }
        if (!c.usable()) {
            // Left in an unknown state by a failed rollback: replace it (or keep the dead one in the pool so a
            // later read retries, rather than shrinking the pool).
            try {
                Conn fresh = connect(false);
                c.closeQuietly();
                c = fresh;
            } catch (SQLException e) {
                readers.add(c);
                throw storageError("reopen a read connection", e);
            }
        }
        return c;
    }

    private void giveBack(Conn c) {
        readers.add(c);
        if (closed) { // close() ran meanwhile: it may have drained the pool before this connection came back
            closeReaders();
        }
    }

    private void closeReaders() {
        Conn c;
        while ((c = readers.poll()) != null) {
            c.closeQuietly();
        }
    }

    // ---- connections ----

    /*
     * Durability: journal_mode=WAL with synchronous=NORMAL. A commit is appended to the WAL file and handed
     * to the OS before COMMIT returns, so a crash of the controller process (kill -9, OOM kill, JVM abort)
     * loses nothing that was committed, and the file is never corrupted. What NORMAL gives up against FULL
     * is the fsync on every commit: after a power cut or kernel crash the last transactions before the
     * latest WAL sync (checkpoint) may be missing, while the database stays consistent. We take that trade
     * because every write path (agent reports every second, log chunks) would otherwise pay an fsync, and
     * the controller's state is repaired from the agents, which report what runs (level-triggered); the
     * window at risk is a machine failure, for which the production answer is PostgreSQL.
     */
    private SQLiteConfig config() {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(busyTimeoutMs);
        cfg.enforceForeignKeys(true);
        return cfg;
    }

    private String url() {
        return "jdbc:sqlite:" + file;
    }

    private SQLiteDataSource dataSource() {
        SQLiteDataSource ds = new SQLiteDataSource(config());
        ds.setUrl(url());
        return ds;
    }

    private Conn connect(boolean writer) throws SQLException {
        Connection c = config().createConnection(url());
        try {
            if (!writer) {
                try (Statement st = c.createStatement()) {
                    st.execute("PRAGMA query_only = 1");
                }
            }
            return new Conn(c, statements);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static void migrate(SQLiteDataSource ds) {
        Flyway.configure(SqliteStorage.class.getClassLoader())
                .dataSource(ds)
                .locations(MIGRATIONS)
                .load()
                .migrate();
    }

    /** One JDBC connection and its prepared statements (SQLite compiles each SQL text once). */
    static final class Conn {
        private final Connection connection;
        private final Map<String, PreparedStatement> cache = new HashMap<>();
        private final AtomicLong counter;
        volatile boolean broken;

        Conn(Connection connection, AtomicLong counter) {
            this.connection = connection;
            this.counter = counter;
        }

        PreparedStatement prepare(String sql) throws SQLException {
            counter.incrementAndGet();
            PreparedStatement ps = cache.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                cache.put(sql, ps);
            } else {
                ps.clearParameters();
            }
            return ps;
        }

        void exec(String sql) throws SQLException {
            prepare(sql).execute();
        }

        boolean usable() {
            try {
                return !broken && !connection.isClosed();
            } catch (SQLException e) {
                return false;
            }
        }

        void closeQuietly() {
            List<AutoCloseable> all = new ArrayList<>(cache.values());
            cache.clear();
            all.add(connection);
            for (AutoCloseable c : all) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing: nothing left to do with it
                }
            }
        }
    }
}
