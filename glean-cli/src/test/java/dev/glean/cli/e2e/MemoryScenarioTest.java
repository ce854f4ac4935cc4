package dev.glean.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.guard.NodeGuard;
import dev.glean.agent.metrics.MemInfo;
import dev.glean.api.WireJson;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.schedule.CapacitySettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The memory scenario of issue 3, on the real host with real runc, cgroups, controller, agent and guard. Sized from
 * MemAvailable at the start (A): four secondaries (glean jobs) claim A/2 and hold it; then an incumbent outside glean
 * (a process of this test, not under glean's parent cgroup) claims 0.9 A as fast as the kernel gives it, every page
 * touched. Required: the incumbent gets all of it and exits 0, the host's OOM killer kills nothing (dmesg) and no
 * secondary is OOM-killed (the parent's memory.oom_control),
 * the guard evicts the secondaries, and every evicted job's attempt says why with the readings. The timings (claim
 * start or watermark crossing to the secondaries' memory freed) are measured here and printed; bench/protect-memory
 * runs this test and keeps them. Only a generous bound on them is asserted: timings on a shared machine are noisy.
 */
class MemoryScenarioTest {
    private static final int SECONDARIES = 4;
    private static final long MIB = 1L << 20;
    /** The columns of bench/out/protect-memory.csv, one row per run (bench/protect-memory). */
    static final String HEADER = "available_mib,secondaries_mib,incumbent_mib,reserve_mib,setup_ms,claim_ms,"
            + "claim_to_watermark_ms,watermark_to_first_evict_ms,first_evict_to_freed_ms,last_evict_to_freed_ms,"
            + "below_reserve_while_held_ms,min_available_mib,oom_kills";
    private final HttpClient http = HttpClient.newHttpClient();

    /** One reading of the sampler: when, host available memory, the secondaries' memory without page cache. */
    private record Sample(long nanos, long available, long secondaries) {}

    @Test
    void anIncumbentClaiming90PercentGetsItAllAndOnlyTheGuardEndsSecondaries() throws Exception {
        String claim = resource("/memory-claim.py");
        List<NodeGuard.Event> events = new CopyOnWriteArrayList<>();
        List<Long> evictedAt = new CopyOnWriteArrayList<>();
        try (TestNode node = TestNode.open()) {
            node.startController();
            node.startAgent();
            MemInfo start = MemInfo.read(Path.of("/proc/meminfo"));
            long a0 = start.available();
            long each = a0 / 2 / SECONDARIES;
            long incumbent = a0 * 9 / 10;
            long reserve = CapacitySettings.DEFAULTS.memoryReserve(start.memoryTotal()).value();
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < SECONDARIES; i++) {
                jobs.add(submit(claim, each, (each + 128 * MIB) / MIB + "M", node));
            }
            long setupStart = System.nanoTime();
            // Setting up is not under test: on a machine busy with other builds, idle-class jobs would take minutes
            // to start and claim their memory, so they do it at normal CPU weight (kept so: the agent makes the
            // parent idle again at each start) and go back to the idle class, under the guard, before the incumbent.
            Thread weight = Thread.ofPlatform().daemon(true).start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        node.parentCpuIdle(false);
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        // the parent is being set up: next round
                    }
                }
            });
            try {
                awaitTrue("the secondaries hold " + (a0 / 2 / MIB) + " MiB", 240_000,
                        () -> secondariesMemory(node.cgroups) >= a0 / 2 * 95 / 100);
            } finally {
                weight.interrupt();
                weight.join();
                node.parentCpuIdle(true);
            }
            long setupMillis = (System.nanoTime() - setupStart) / 1_000_000;
            node.startGuard(e -> {
                events.add(e);
                if (e.action() instanceof GuardAction.Evict) {
                    evictedAt.add(System.nanoTime());
                }
            });
            Thread.sleep(500); // its first readings: the fall rate needs two
            int kernelLogBefore = kernelLog().size();

            List<Sample> samples = new CopyOnWriteArrayList<>();
            Thread sampler = Thread.ofPlatform().daemon(true).start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        samples.add(new Sample(System.nanoTime(), MemInfo.read(Path.of("/proc/meminfo")).available(),
                                secondariesMemory(node.cgroups)));
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        // a missed reading leaves a gap, nothing more
                    }
                }
            });
            long claimStart = System.nanoTime();
            Process p = new ProcessBuilder("python3", "-c", claim, Long.toString(incumbent), "0.5")
                    .redirectErrorStream(true).start();
            String out;
            int exit;
            try {
                assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the incumbent finished its claim");
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                exit = p.exitValue();
            } finally {
                p.destroyForcibly();
                sampler.interrupt();
                sampler.join();
            }
            long claimMillis = (System.nanoTime() - claimStart) / 1_000_000;
            List<String> kernelLog = kernelLog();
            List<String> newLines = kernelLog.subList(Math.min(kernelLogBefore, kernelLog.size()), kernelLog.size());
            // /proc/vmstat counts every OOM kill on the host, also those of other tests' containers at their own
            // limits; what this scenario must not cause: a kill by the host's OOM killer, or one in glean's parent.
            List<String> hostKills = newLines.stream().filter(l -> l.contains("Out of memory: Killed process")
                    && !l.contains("Memory cgroup")).toList();
            long parentKills = parentOomKills(node.cgroups);

            assertEquals(0, exit, "the incumbent was not killed: " + out);
            assertTrue(out.startsWith("claimed " + (incumbent / MIB)), out);
            assertEquals(List.of(), hostKills, "the host's OOM killer killed nothing during the claim");
            assertEquals(0, parentKills, "no secondary was OOM-killed:\n" + String.join("\n", newLines));

            // The secondaries fit while available memory stays at or above the reserve; here the incumbent's 90 %
            // leaves less than that, so all of their memory has to go (64 MiB: what dying processes still hold).
            long held = 64 * MIB;
            long cross = firstAfter(samples, claimStart, s -> s.available() < 2 * reserve);
            long freed = firstAfter(samples, claimStart, s -> s.secondaries() <= held);
            long firstEvict = evictedAt.isEmpty() ? -1 : evictedAt.get(0);
            // The last eviction before the memory was back: the controller may place an evicted job again (it does
            // not hear the guard's StopAdmitting yet), and the guard then evicts it again.
            long lastEvict = evictedAt.stream().filter(t -> freed < 0 || t <= freed).reduce((x, y) -> y).orElse(-1L);
            long shortMillis = longestStretch(samples, s -> s.available() < reserve && s.secondaries() > held);
            long minAvailable = samples.stream().mapToLong(Sample::available).min().orElse(-1);
            String row = String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d",
                    a0 / MIB, a0 / 2 / MIB, incumbent / MIB, reserve / MIB, setupMillis, claimMillis,
                    ms(claimStart, cross), ms(cross, firstEvict), ms(firstEvict, freed), ms(lastEvict, freed),
                    shortMillis, minAvailable / MIB, hostKills.size() + parentKills);
            System.out.println("memory scenario: " + HEADER + "\n" + row);
            String csv = System.getProperty("glean.memoryScenario.csv");
            if (csv != null && !csv.isBlank()) {
                Files.writeString(Path.of(csv), row + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }

            assertTrue(freed >= 0, "the secondaries' memory came down to " + (held / MIB) + " MiB: " + row);
            assertTrue(shortMillis < 5000, "available memory stayed below the reserve while secondaries held memory for"
                    + " less than 5 s (the goal is 1 s; this bound only catches a guard that does not act): " + row);

            // Every job's first attempt was evicted by the guard, and says why with the readings.
            for (String id : jobs) {
                awaitTrue("job " + id + "'s eviction reached the controller", 20_000,
                        () -> job(node, id).get("attempts").size() >= 1
                                && !job(node, id).get("attempts").get(0).path("reason").isMissingNode()
                                && !job(node, id).get("attempts").get(0).path("reason").isNull());
                JsonNode attempt = job(node, id).get("attempts").get(0);
                String reason = attempt.get("reason").asText();
                assertEquals("LOST", attempt.get("state").asText(), attempt.toString());
                assertTrue(reason.startsWith("evicted: available memory "), reason);
                assertTrue(reason.contains("reserve of") && reason.contains("holding"), reason);
            }
            List<GuardAction.Evict> evictions = events.stream().map(NodeGuard.Event::action)
                    .filter(GuardAction.Evict.class::isInstance).map(GuardAction.Evict.class::cast).toList();
            assertTrue(evictions.size() >= SECONDARIES, evictions.toString());
            for (GuardAction.Evict e : evictions) {
                assertTrue(e.readings().containsKey("availableMiB") && e.readings().containsKey("containerMemoryMiB"),
                        e.readings().toString());
            }
            assertFalse(events.stream().anyMatch(e -> e.error() != null), events.toString());
            for (String id : jobs) {
                http.send(HttpRequest.newBuilder(URI.create(node.server() + "/api/v1/jobs/" + id)).DELETE().build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private String submit(String claim, long bytes, String memory, TestNode node) throws Exception {
        String body = WireJson.mapper().writeValueAsString(java.util.Map.of(
                "command", List.of("python3", "-c", claim, Long.toString(bytes), "3600"),
                "cpu", 0.01, "memory", memory));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.server() + "/api/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return WireJson.mapper().readTree(r.body()).get("id").asText();
    }

    private JsonNode job(TestNode node, String id) {
        try {
            return WireJson.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(node.server() + "/api/v1/jobs/"
                    + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What glean's parent holds without page cache: anon memory (v1 total_rss + total_shmem, v2 anon + shmem). */
    static long secondariesMemory(CgroupHost cg) {
        Path stat = cg.mode() == CgroupHost.Mode.V1 ? cg.v1Parent("memory").resolve("memory.stat")
                : cg.root().resolve(cg.parent()).resolve("memory.stat");
        long sum = 0;
        try {
            for (String line : Files.readAllLines(stat)) {
                String[] f = line.split(" ");
                if (f.length == 2 && List.of("total_rss", "total_shmem", "anon", "shmem").contains(f[0])) {
                    sum += Long.parseLong(f[1]);
                }
            }
        } catch (IOException e) {
            return 0; // no parent (yet): nothing held
        }
        return sum;
    }

    /** The kernel's log lines (dmesg); empty where it cannot be read. */
    private static List<String> kernelLog() {
        try {
            Process d = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
            List<String> lines = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            d.waitFor();
            return lines;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** OOM kills in glean's parent cgroup and below (v1 memory.oom_control, v2 memory.events). */
    private static long parentOomKills(CgroupHost cg) throws IOException {
        Path f = cg.mode() == CgroupHost.Mode.V1 ? cg.v1Parent("memory").resolve("memory.oom_control")
                : cg.root().resolve(cg.parent()).resolve("memory.events");
        return Files.readAllLines(f).stream().filter(l -> l.startsWith("oom_kill "))
                .mapToLong(l -> Long.parseLong(l.substring(9).trim())).findFirst().orElse(0);
    }

    private static long firstAfter(List<Sample> samples, long from, java.util.function.Predicate<Sample> p) {
        return samples.stream().filter(s -> s.nanos() >= from && p.test(s)).mapToLong(Sample::nanos).findFirst().orElse(-1);
    }

    /** The longest run of consecutive samples (ms from the first to the one after the last) for which {@code p} holds. */
    private static long longestStretch(List<Sample> samples, java.util.function.Predicate<Sample> p) {
        long longest = 0;
        long since = -1;
        for (Sample s : samples) {
            if (p.test(s)) {
                since = since < 0 ? s.nanos() : since;
            } else if (since >= 0) {
                longest = Math.max(longest, ms(since, s.nanos()));
                since = -1;
            }
        }
        return since >= 0 ? Math.max(longest, ms(since, samples.get(samples.size() - 1).nanos())) : longest;
    }

    private static long ms(long from, long to) {
        return from < 0 || to < 0 ? -1 : (to - from) / 1_000_000;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MemoryScenarioTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void awaitTrue(String what, long millis, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
