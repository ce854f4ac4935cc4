package dev.glean.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStorageTest extends AbstractStorageContractTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("data").resolve("glean.db");
    }

    @Override
    protected Storage newStorage() {
        return SqliteStorage.open(file());
    }

    @Override
    protected Storage reopen(Storage old) {
        old.close();
        return SqliteStorage.open(file());
    }

    private SqliteStorage sqlite() {
        return (SqliteStorage) store;
    }

    private String query(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void opensInWalModeWithTheSchemaMigratedOnce() throws Exception {
        assertTrue(Files.isRegularFile(file()), "the data directory is created");
        assertEquals("wal", query("PRAGMA journal_mode").toLowerCase(Locale.ROOT));
        reopenStore();
        reopenStore();
        // Every migration shipped, each applied once and only once.
        long shipped;
        try (var files = Files.list(Path.of(getClass().getResource("/db/migration/sqlite").toURI()))) {
            shipped = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        }
        assertTrue(shipped >= 2, "V1 and later");
        assertEquals(String.valueOf(shipped), query("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL"));
        assertEquals(String.valueOf(shipped), query("SELECT COUNT(DISTINCT version) FROM flyway_schema_history WHERE version IS NOT NULL"));
    }

    @Test
    void aFileThatIsNotADatabaseIsAStorageError() throws Exception {
        Path bad = dir.resolve("bad.db");
        Files.write(bad, "this is not an SQLite database, it is a text file that is long enough to look at".repeat(40).getBytes());
        GleanException e = assertThrows(GleanException.class, () -> SqliteStorage.open(bad));
        assertEquals(ErrorCode.STORAGE_ERROR, e.code());
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void aWriteLockHeldByAnotherProcessIsAStorageErrorAndTheStoreRecovers() throws Exception {
        insert(singleJob("one"));
        store.close();
        store = SqliteStorage.open(file(), 200);
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            GleanException e = error(ErrorCode.STORAGE_ERROR, () -> insert(singleJob("two")));
            assertTrue(e.getMessage().startsWith("storage: cannot begin a write:"), e.getMessage());
            assertTrue(e.getMessage().contains("second controller"), e.getMessage());
            System.out.println("busy: " + e.getMessage());
            assertTrue(e.getCause() instanceof java.sql.SQLException, String.valueOf(e.getCause()));
            assertEquals(List.of("one"), store.read(v -> v.jobs(JobFilter.ALL)).stream().map(Job::id).toList(),
                    "reads go on while another process writes");
            st.execute("ROLLBACK");
        }
        insert(singleJob("two"));
        assertEquals(List.of("one", "two"), store.read(v -> v.jobs(JobFilter.ALL)).stream().map(Job::id).toList());
    }

    @Test
    void theEventLogIsAppendOnly() throws Exception {
        append(Event.node(T0, "x", "n", null));
        store.close();
        store = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            Exception e = assertThrows(Exception.class, () -> st.executeUpdate("UPDATE events SET type = 'y'"));
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
        }
    }

    @Test
    void readsRunBesideAWriteAndSeeOnlyCommittedState() throws Exception {
        insert(singleJob("before"));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2); // not the common pool: it may have one thread
        try {
            Future<?> writer = threads.submit(() -> store.write(tx -> {
                tx.insertJob(singleJob("during"));
                inside.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return null;
            }));
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            // The write holds the writer connection; a read neither waits for it nor sees "during".
            List<String> seen = threads.submit(() -> store.read(v -> v.jobs(JobFilter.ALL)))
                    .get(10, TimeUnit.SECONDS).stream().map(Job::id).toList();
            assertEquals(List.of("before"), seen);
            release.countDown();
            writer.get(30, TimeUnit.SECONDS);
            assertTrue(store.read(v -> v.job("during")).isPresent());
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void readingJobsIsNotOneQueryPerJob() {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            jobs.add(arrayJob("n" + i, 0, 9));
        }
        insert(jobs.toArray(Job[]::new));
        long before = sqlite().statements.get();
        List<Job> all = store.read(v -> v.jobs(JobFilter.ALL));
        long used = sqlite().statements.get() - before;
        assertEquals(50, all.size());
        assertEquals(500, all.stream().mapToInt(j -> j.tasks().size()).sum());
        assertTrue(used <= 4, "jobs() ran " + used + " statements (BEGIN, jobs, tasks, COMMIT expected)");

        before = sqlite().statements.get();
        store.read(v -> v.job("n7"));
        used = sqlite().statements.get() - before;
        assertTrue(used <= 4, "job() ran " + used + " statements");
    }

    @Test
    void aggregateStateUpdatesDoNotReadEveryTask() {
        insert(arrayJob("big", 0, 9_999));
        long before = sqlite().statements.get();
        store.write(tx -> {
            tx.updateTask(with(Task.queued("big", 5_000), JobState.RUNNING, "n1"));
            return null;
        });
        assertTrue(sqlite().statements.get() - before <= 10);
        assertEquals(List.of("big"), store.read(v -> v.jobs(JobFilter.inState(JobState.RUNNING))).stream().map(Job::id).toList());
    }

    /**
     * Prints timings (see target/surefire-reports/*SqliteStorageTest-output.txt); medians of several runs. The
     * bounds only catch gross regressions (a loop of statements per task, say), not slow machines.
     */
    @Test
    void performance() {
        long t0 = System.nanoTime();
        insert(arrayJob("p0", 0, 999));
        double insertCold = ms(t0);
        List<Double> inserts = new ArrayList<>();
        for (int i = 1; i < 10; i++) {
            String id = "p" + i;
            inserts.add(timed(() -> insert(arrayJob(id, 0, 999))));
        }
        List<Double> queries = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            queries.add(timed(() -> assertEquals(10_000, store.read(v -> v.tasksInStates(List.of(JobState.QUEUED))).size())));
        }
        List<Double> lists = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lists.add(timed(() -> store.read(v -> v.jobs(JobFilter.ALL))));
        }
        double update1000 = timed(() -> store.write(tx -> {
            for (int i = 0; i < 1000; i++) {
                tx.updateTask(with(Task.queued("p3", i), JobState.PLACED, "n" + (i % 10)));
            }
            return null;
        }));
        double append200 = timed(() -> {
            for (int i = 0; i < 200; i++) {
                append(Event.node(T0, "tick", "n1", null));
            }
        });
        System.out.printf(Locale.ROOT, "sqlite: insertJob of a 1000-task array: %.1f ms (first in a cold JVM %.1f ms);"
                        + " tasksInStates(QUEUED) over 10,000 tasks: %.1f ms; jobs(ALL) of 10 x 1000 tasks: %.1f ms;"
                        + " 1000 updateTask in one write: %.1f ms; a one-event write: %.3f ms%n",
                median(inserts), insertCold, median(queries), median(lists), update1000, append200 / 200);
        assertTrue(insertCold < 2_000, "insert " + insertCold);
        assertTrue(median(queries) < 2_000, "query " + median(queries));
    }

    private static double timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return ms(t0);
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    private static double ms(long since) {
        return (System.nanoTime() - since) / 1e6;
    }
}
