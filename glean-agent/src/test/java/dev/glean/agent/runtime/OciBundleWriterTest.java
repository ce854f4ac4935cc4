package dev.glean.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundle for image "host", read back from disk (chowning needs root, like the agent itself). */
class OciBundleWriterTest {
    @TempDir
    Path tmp;
    private Path fakeHost;

    @BeforeEach
    void needsRoot() throws Exception {
        Path probe = Files.createFile(tmp.resolve("probe"));
        assumeTrue(((Integer) Files.getAttribute(probe, "unix:uid")) == 0, "needs root to chown");
        // a host root like a merged-/usr one, plus a real /lib32 directory
        fakeHost = tmp.resolve("host");
        for (String d : List.of("usr/bin", "usr/lib", "usr/lib64", "usr/sbin", "etc", "lib32")) {
            Files.createDirectories(fakeHost.resolve(d));
        }
        for (String l : List.of("bin", "lib", "lib64", "sbin")) {
            Files.createSymbolicLink(fakeHost.resolve(l), Path.of("usr", l));
        }
    }

    private JsonNode write(ContainerLayout layout, ContainerSpec spec) throws Exception {
        Files.createDirectories(layout.dir());
        new OciBundleWriter(new OciBundleWriter.Options(100000, 65536, "/glean/" + layout.id(), true, 4096, fakeHost))
                .write(layout, spec);
        return new ObjectMapper().readTree(layout.config().toFile());
    }

    private static ContainerSpec spec(String id, Millicores cpu, List<VolumeMount> volumes) {
        return new ContainerSpec(id, List.of("python3", "-c", "print(1)"), Map.of("FOO", "bar", "HOME", "/elsewhere"),
                cpu, Bytes.ofMiB(300), 50, "host", volumes, Map.of("job", "j1"));
    }

    @Test
    void hostImageBundle() throws Exception {
        ContainerLayout layout = ContainerLayout.of(tmp.resolve("state"), "c1");
        JsonNode c = write(layout, spec("c1", new Millicores(1500), List.of()));

        Path rootfs = layout.rootfs();
        for (String d : List.of("usr", "etc", "opt", "proc", "sys", "dev", "tmp", "work", "lib32")) {
            assertTrue(Files.isDirectory(rootfs.resolve(d)), d);
        }
        for (String l : List.of("bin", "lib", "lib64", "sbin")) {
            assertEquals(Path.of("usr", l), Files.readSymbolicLink(rootfs.resolve(l)));
        }
        assertEquals(100000, Files.getAttribute(layout.work(), "unix:uid"));
        assertEquals(100000, Files.getAttribute(layout.tmp(), "unix:gid"));
        assertEquals(01777, ((Integer) Files.getAttribute(layout.tmp(), "unix:mode")) & 07777);

        JsonNode p = c.get("process");
        assertEquals(List.of("python3", "-c", "print(1)"), strings(p.get("args")));
        assertEquals("/work", p.get("cwd").asText());
        List<String> env = strings(p.get("env"));
        assertTrue(env.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), env.toString());
        assertTrue(env.contains("FOO=bar"));
        assertTrue(env.contains("HOME=/elsewhere") && env.stream().filter(e -> e.startsWith("HOME=")).count() == 1,
                "the spec's env wins, once: " + env);
        assertTrue(p.get("noNewPrivileges").asBoolean());
        assertEquals(1000, p.get("oomScoreAdj").asInt());
        assertEquals("RLIMIT_NOFILE", p.get("rlimits").get(0).get("type").asText());
        assertEquals(4096, p.get("rlimits").get(0).get("hard").asLong());
        List<String> caps = strings(p.get("capabilities").get("bounding"));
        assertFalse(caps.contains("CAP_SYS_ADMIN") || caps.contains("CAP_NET_ADMIN") || caps.contains("CAP_SYS_PTRACE"));
        assertEquals(caps, strings(p.get("capabilities").get("effective")));

        assertEquals("c1", c.get("hostname").asText());
        assertTrue(c.get("root").get("readonly").asBoolean());
        Map<String, JsonNode> mounts = new java.util.LinkedHashMap<>();
        c.get("mounts").forEach(m -> mounts.put(m.get("destination").asText(), m));
        for (String ro : List.of("/usr", "/etc", "/lib32")) {
            assertTrue(strings(mounts.get(ro).get("options")).containsAll(List.of("rbind", "ro", "rro")), ro);
        }
        assertFalse(mounts.containsKey("/opt"), "the fake host has no /opt");
        assertFalse(mounts.containsKey("/sys/fs/cgroup"), "no cgroup mount (runc fails on hybrid hosts)");
        assertEquals("proc", mounts.get("/proc").get("type").asText());
        assertEquals("tmpfs", mounts.get("/dev").get("type").asText());
        assertEquals(layout.work().toString(), mounts.get("/work").get("source").asText());
        assertEquals(layout.tmp().toString(), mounts.get("/tmp").get("source").asText());
        assertTrue(strings(mounts.get("/sys").get("options")).contains("rro"));

        JsonNode linux = c.get("linux");
        List<String> ns = StreamSupport.stream(linux.get("namespaces").spliterator(), false).map(n -> n.get("type").asText()).toList();
        assertEquals(List.of("pid", "ipc", "uts", "mount", "user"), ns, "no network namespace yet");
        for (String key : List.of("uidMappings", "gidMappings")) {
            JsonNode m = linux.get(key).get(0);
            assertEquals(0, m.get("containerID").asInt());
            assertEquals(100000, m.get("hostID").asInt());
            assertEquals(65536, m.get("size").asInt());
        }
        assertEquals("/glean/c1", linux.get("cgroupsPath").asText());
        JsonNode res = linux.get("resources");
        assertEquals(300L << 20, res.get("memory").get("limit").asLong());
        assertEquals(300L << 20, res.get("memory").get("swap").asLong());
        assertEquals(1536, res.get("cpu").get("shares").asLong());
        assertEquals(50, res.get("pids").get("limit").asLong());
        assertFalse(res.get("devices").get(0).get("allow").asBoolean());
    }

    @Test
    void cpuSharesRankSecondariesAmongThemselves() {
        assertEquals(2, OciBundleWriter.cpuShares(spec("a", new Millicores(1), List.of())));
        assertEquals(512, OciBundleWriter.cpuShares(spec("a", new Millicores(500), List.of())));
        assertEquals(4096, OciBundleWriter.cpuShares(spec("a", new Millicores(4000), List.of())));
        assertEquals(262_144, OciBundleWriter.cpuShares(spec("a", new Millicores(1_000_000), List.of())));
    }

    @Test
    void volumesGetMountPointsTheContainersRootCouldNotCreate() throws Exception {
        Path dataDir = Files.createDirectories(tmp.resolve("data"));
        Path dataFile = Files.writeString(tmp.resolve("settings.conf"), "x");
        ContainerLayout layout = ContainerLayout.of(tmp.resolve("state"), "c2");
        JsonNode c = write(layout, spec("c2", new Millicores(100), List.of(
                new VolumeMount(dataDir.toString(), "/data/in", true),
                new VolumeMount(dataFile.toString(), "/work/conf/settings.conf", false))));
        assertTrue(Files.isDirectory(layout.rootfs().resolve("data/in")));
        assertTrue(Files.isRegularFile(layout.work().resolve("conf/settings.conf")));
        assertEquals(100000, Files.getAttribute(layout.work().resolve("conf"), "unix:uid"));
        List<JsonNode> vols = new ArrayList<>();
        c.get("mounts").forEach(m -> {
            if (m.get("destination").asText().startsWith("/data") || m.get("destination").asText().startsWith("/work/")) {
                vols.add(m);
            }
        });
        assertEquals(2, vols.size());
        assertTrue(strings(vols.get(0).get("options")).containsAll(List.of("rbind", "ro", "rro")));
        assertTrue(strings(vols.get(1).get("options")).contains("rw"));

        ContainerLayout l3 = ContainerLayout.of(tmp.resolve("state"), "c3");
        assertThrows(GleanException.class, () -> write(l3, spec("c3", new Millicores(100),
                List.of(new VolumeMount(dataDir.toString(), "/usr/share/missing", true)))));
        ContainerLayout l4 = ContainerLayout.of(tmp.resolve("state"), "c4");
        assertThrows(GleanException.class, () -> write(l4, spec("c4", new Millicores(100),
                List.of(new VolumeMount("/no/such/dir", "/data", true)))));
        ContainerLayout l5 = ContainerLayout.of(tmp.resolve("state"), "c5");
        assertThrows(GleanException.class, () -> write(l5, spec("c5", new Millicores(100),
                List.of(new VolumeMount(dataDir.toString(), "/proc/x", true)))));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
