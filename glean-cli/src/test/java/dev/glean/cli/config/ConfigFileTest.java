package dev.glean.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.agent.AgentSettings;
import dev.glean.controller.ControllerSettings;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.glean.core.schedule.LendingPolicies;
import dev.glean.core.schedule.LendingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins every default (Trino's rule): changing one is a decision, made here and in docs/CONFIG.md together. */
class ConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void controllerDefaults() {
        ControllerSettings s = ConfigFile.empty().controllerSettings(null);
        assertEquals("127.0.0.1", s.bind());
        assertEquals(7070, s.port());
        assertEquals(Duration.ofSeconds(15), s.lease());
        assertEquals(Duration.ofSeconds(10), s.lostGrace());
        assertEquals(1.5, s.capacity().cpuOvercommit());
        assertEquals(new Millicores(100), s.capacity().cpuHeadroom());
        assertEquals(0.10, s.capacity().memoryReserveFraction());
        assertEquals(Bytes.ofMiB(256), s.capacity().memoryReserveMin());
        assertEquals(Duration.ofSeconds(10), s.capacity().staleAfter());
        assertEquals(Duration.ofMinutes(5), s.capacity().window());
        assertEquals(5, s.maxRequeues());
        assertEquals(2000, s.maxPlacementsPerCycle());
        assertEquals(Duration.ofSeconds(1), s.cycle());
        assertEquals(64L << 20, s.maxLogBytesPerAttempt());
        assertEquals(List.of(), s.allowedVolumes());
        assertEquals(LendingPolicies.NONE, s.lending());
        assertTrue(s.preemption());
        assertEquals(Path.of("./.glean"), ConfigFile.empty().dataDir(null));
    }

    @Test
    void agentDefaults() {
        AgentSettings a = ConfigFile.empty().agentSettings("n", List.of(URI.create("http://c:7070")), null, null);
        assertEquals(GuardMode.BALANCED, a.guard());
        assertEquals(Path.of("/var/lib/glean/agent"), a.stateDir());
        assertEquals(Duration.ofSeconds(1), a.reportInterval());
        assertEquals(Duration.ofMillis(100), a.watchInterval());
        assertEquals(1024, a.pidsPerJob());
        assertEquals(16384, a.pidsTotal());
        assertEquals(Duration.ofSeconds(10), a.stopGrace());
        assertEquals(dev.glean.core.resources.Bytes.ofMiB(10 * 1024), a.diskPerJob());
        assertEquals(dev.glean.core.resources.Bytes.ofMiB(64), a.logPerJob());
        assertEquals(Map.of(), a.labels());
        assertEquals(dev.glean.agent.guard.ProtectedIncumbents.NONE, a.protect());
        assertEquals("127.0.0.1:7071", a.metrics());
    }

    @Test
    void jobDiskAndLogLimitsAreReadAsSizesAndZeroTurnsThemOff() throws Exception {
        Path f = dir.resolve("limits.yaml");
        Files.writeString(f, """
                agent:
                  diskPerJob: 2G
                  logPerJob: 0
                """);
        AgentSettings a = ConfigFile.load(f).agentSettings("n", List.of(URI.create("http://c:7070")), null, null);
        assertEquals(dev.glean.core.resources.Bytes.ofMiB(2048), a.diskPerJob());
        assertEquals(dev.glean.core.resources.Bytes.ZERO, a.logPerJob());
    }

    @Test
    void typedValuesAreReadAndFlagsOverride() throws Exception {
        Path f = dir.resolve("glean.yaml");
        Files.writeString(f, """
                controller:
                  port: 8080
                  lease: 30s
                  memoryReserve: 15%
                  cpuHeadroom: 250m
                  maxLogBytesPerAttempt: 1G
                  volumes: [/data]
                agent:
                  node: n7
                  controller: [http://a:7070, http://b:7070]
                  guard: strict
                  labels: {zone: x}
                  protect:
                    processes: [postgres, nginx]
                    cgroups: [/system.slice/postgresql.service]
                  metrics: 0.0.0.0:9471
                """);
        ConfigFile c = ConfigFile.load(f);
        ControllerSettings s = c.controllerSettings(null);
        assertEquals(8080, s.port());
        assertEquals(9090, c.controllerSettings(9090).port());
        assertEquals(Duration.ofSeconds(30), s.lease());
        assertEquals(0.15, s.capacity().memoryReserveFraction(), 1e-9);
        assertEquals(new Millicores(250), s.capacity().cpuHeadroom());
        assertEquals(1L << 30, s.maxLogBytesPerAttempt());
        assertEquals(List.of("/data"), s.allowedVolumes());
        AgentSettings a = c.agentSettings(null, List.of(), null, null);
        assertEquals("n7", a.node());
        assertEquals(2, a.controllers().size());
        assertEquals(GuardMode.STRICT, a.guard());
        assertEquals(GuardMode.MAX_HARVEST, c.agentSettings(null, List.of(), "max-harvest", null).guard());
        assertEquals(Map.of("zone", "x"), a.labels());
        assertEquals("0.0.0.0:9471", a.metrics());
        assertEquals(java.util.Set.of("postgres", "nginx"), a.protect().processes());
        assertEquals(List.of("/system.slice/postgresql.service"), a.protect().cgroups());
    }

    /** Lending rules as admins write them; 2026-11-27 is a Friday. */
    @Test
    void lendingRulesApplyToTheNodesTheyName() throws Exception {
        Path f = dir.resolve("lending.yaml");
        Files.writeString(f, """
                controller:
                  lending:
                    - labels: {role: db}
                      maxCpu: 60%
                      maxMemory: 0.5
                      hours: ["Mon-Fri 20:00-07:00", "Sat-Sun"]
                      zone: Europe/Berlin
                    - node: erp-1
                      cordon: true
                    - maxCpu: 90%
                """);
        LendingPolicies rules = ConfigFile.load(f).controllerSettings(null).lending();
        assertEquals(3, rules.rules().size());
        LendingPolicy db = rules.forNode("db-3", Map.of("role", "db"));
        assertEquals(0.6, db.maxCpuFraction(), 1e-9);
        assertEquals(0.5, db.maxMemoryFraction(), 1e-9);
        // Friday 12:00 UTC is 13:00 in Berlin: office hours, no lending; 19:30 UTC is 20:30 there: lending.
        assertInstanceOf(LendingPolicy.Withhold.class, db.decide(Instant.parse("2026-11-27T12:00:00Z")));
        LendingPolicy.Lend night = assertInstanceOf(LendingPolicy.Lend.class, db.decide(Instant.parse("2026-11-27T19:30:00Z")));
        assertEquals(0.6, night.cpuFraction(), 1e-9);
        assertInstanceOf(LendingPolicy.Withhold.class, rules.forNode("erp-1", Map.of()).decide(Instant.parse("2026-11-28T12:00:00Z")));
        LendingPolicy other = rules.forNode("web-1", Map.of("role", "web"));
        assertEquals(0.9, other.maxCpuFraction(), 1e-9);
        assertEquals(1.0, other.maxMemoryFraction(), 1e-9);
    }

    @Test
    void theAgentsMetricsListenerCanBeTurnedOff() throws Exception {
        for (String off : new String[] {"off", "false", "\"\""}) {
            Path f = dir.resolve("m.yaml");
            Files.writeString(f, "agent:\n  metrics: " + off + "\n");
            assertEquals(null, ConfigFile.load(f).agentSettings("n", List.of(), null, null).metrics(), off);
        }
    }

    @Test
    void cgroupParentAndCpuLendMin() throws Exception {
        assertEquals("glean", ConfigFile.empty().cgroupParent());
        assertEquals(Millicores.ZERO, ConfigFile.empty().controllerSettings(null).capacity().cpuLendMin());
        Path f = dir.resolve("bench.yaml");
        Files.writeString(f, "controller:\n  cpuLendMin: 1\nagent:\n  cgroupParent: glean-bench-1\n");
        ConfigFile c = ConfigFile.load(f);
        assertEquals("glean-bench-1", c.cgroupParent());
        assertEquals(new Millicores(1000), c.controllerSettings(null).capacity().cpuLendMin());
        Files.writeString(f, "agent:\n  cgroupParent: a/b\n");
        GleanException e = assertThrows(GleanException.class, () -> ConfigFile.load(f).cgroupParent());
        assertTrue(e.getMessage().contains("agent.cgroupParent"), e.getMessage());
    }

    @Test
    void ownCpuIsNormalUnlessSaidIdle() throws Exception {
        assertFalse(ConfigFile.empty().ownCpuIdle());
        Path f = dir.resolve("own.yaml");
        Files.writeString(f, "agent:\n  ownCpu: normal\n");
        assertFalse(ConfigFile.load(f).ownCpuIdle());
        Files.writeString(f, "agent:\n  ownCpu: idle\n");
        assertTrue(ConfigFile.load(f).ownCpuIdle());
        Files.writeString(f, "agent:\n  ownCpu: low\n");
        GleanException e = assertThrows(GleanException.class, () -> ConfigFile.load(f).ownCpuIdle());
        assertTrue(e.getMessage().contains("agent.ownCpu"), e.getMessage());
    }

    @Test
    void mistakesAreOneLineConfigErrors() throws Exception {
        String[] bad = {"controler:\n  port: 1\n", "controller:\n  prot: 1\n", "controller:\n  lease: soon\n", "controller:\n  port: 99999\n",
            "controller:\n  memoryReserve: 150%\n", "agent:\n  guard: paranoid\n", "controller: [1, 2]\n", "controller:\n  port: [\n",
            "controller:\n  cpuOvercommit: 0.5\n", "controller:\n  lostGrace: 2s\n",
            "controller:\n  lending: {maxCpu: 50%}\n", "controller:\n  lending:\n    - maxCpu: 150%\n",
            "controller:\n  lending:\n    - hours: Mon-Fri 9-17h\n", "controller:\n  lending:\n    - zone: Mars/Olympus\n",
            "controller:\n  lending:\n    - cordon: maybe\n", "controller:\n  lending:\n    - nod: x\n",
            "controller:\n  preemption: sometimes\n", "agent:\n  protect: [postgres]\n",
            "agent:\n  protect:\n    processes: [a-process-name-too-long]\n", "agent:\n  protect:\n    cgroups: [system.slice]\n",
            "agent:\n  protect:\n    pids: [1]\n",
            "agent:\n  metrics: 7071\n", "agent:\n  metrics: host:port\n"};
        for (String text : bad) {
            Path f = dir.resolve("bad.yaml");
            Files.writeString(f, text);
            GleanException e = assertThrows(GleanException.class, () -> {
                ConfigFile c = ConfigFile.load(f);
                c.controllerSettings(null);
                c.agentSettings("n", List.of(), null, null);
            }, text);
            assertTrue(e.code() == ErrorCode.CONFIG_INVALID || e.code() == ErrorCode.INVALID_ARGUMENT, text);
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        assertThrows(GleanException.class, () -> ConfigFile.load(dir.resolve("missing.yaml")));
    }
}
