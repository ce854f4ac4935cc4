package dev.glean.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glean.agent.AgentSettings;
import dev.glean.controller.ControllerSettings;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.job.DurationText;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacitySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One YAML file per process, sections {@code controller:} and {@code agent:}, typed units ("15s", "256M",
 * "10%"), checked at start: an unknown key or a bad value stops the process with a one-line message naming it.
 * Command-line flags override the file; see docs/CONFIG.md for every key and its default.
 */
public final class ConfigFile {
    static final Set<String> CONTROLLER_KEYS = Set.of("port", "bind", "data", "db", "lease", "lostGrace", "cpuOvercommit",
            "cpuHeadroom", "cpuLendMin", "memoryReserve", "memoryReserveMin", "staleAfter", "window", "maxRequeues", "maxPlacementsPerCycle",
            "cycle", "maxLogBytesPerAttempt", "volumes");
    static final Set<String> AGENT_KEYS = Set.of("node", "controller", "guard", "stateDir", "labels", "reportInterval",
            "watchInterval", "pidsPerJob", "pidsTotal", "stopGrace", "cgroupParent");

    private final JsonNode controller;
    private final JsonNode agent;
    private final String source;

    private ConfigFile(JsonNode root, String source) {
        this.source = source;
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = new ObjectMapper().createObjectNode();
        }
        if (!root.isObject()) {
            throw bad("the file must be a mapping with sections controller: and agent:");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!k.equals("controller") && !k.equals("agent")) {
                throw bad("unknown section '" + k + "' (known: controller, agent)");
            }
        }
        this.controller = section(root, "controller", CONTROLLER_KEYS);
        this.agent = section(root, "agent", AGENT_KEYS);
    }

    public static ConfigFile empty() {
        return new ConfigFile(null, "defaults");
    }

    public static ConfigFile load(Path file) {
        if (file == null) {
            return empty();
        }
        if (!Files.isRegularFile(file)) {
            throw new GleanException(ErrorCode.CONFIG_INVALID, "config file " + file + " does not exist");
        }
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            return new ConfigFile(yaml.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new GleanException(ErrorCode.CONFIG_INVALID, "config file " + file + " is not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private JsonNode section(JsonNode root, String name, Set<String> keys) {
        JsonNode s = root.get(name);
        if (s == null || s.isNull()) {
            return new ObjectMapper().createObjectNode();
        }
        if (!s.isObject()) {
            throw bad(name + ": must be a mapping");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!keys.contains(k)) {
                throw bad("unknown key " + name + "." + k + " (known: " + new java.util.TreeSet<>(keys) + ")");
            }
        }
        return s;
    }

    private GleanException bad(String m) {
        return new GleanException(ErrorCode.CONFIG_INVALID, "config " + source + ": " + m);
    }

    // ---- controller ----

    public Path dataDir(Path override) {
        if (override != null) {
            return override;
        }
        return Path.of(str(controller, "controller", "data", "./.glean"));
    }

    public String db(String override) {
        return override != null ? override : str(controller, "controller", "db", null);
    }

    public ControllerSettings controllerSettings(Integer portOverride) {
        ControllerSettings d = ControllerSettings.defaults();
        CapacitySettings c = d.capacity();
        CapacitySettings cap = new CapacitySettings(
                dbl(controller, "controller", "cpuOvercommit", c.cpuOvercommit()),
                millicores(controller, "controller", "cpuHeadroom", c.cpuHeadroom()),
                fraction(controller, "controller", "memoryReserve", c.memoryReserveFraction()),
                bytes(controller, "controller", "memoryReserveMin", c.memoryReserveMin()),
                duration(controller, "controller", "staleAfter", c.staleAfter()),
                duration(controller, "controller", "window", c.window()))
                .withCpuLendMin(millicores(controller, "controller", "cpuLendMin", c.cpuLendMin()));
        int port = portOverride != null ? portOverride : integer(controller, "controller", "port", d.port());
        if (port < 0 || port > 65535) {
            throw bad("controller.port must be 0-65535: " + port);
        }
        List<String> vols = new ArrayList<>();
        JsonNode v = controller.get("volumes");
        if (v != null && !v.isNull()) {
            if (!v.isArray()) {
                throw bad("controller.volumes must be a list of absolute host paths");
            }
            for (JsonNode e : v) {
                if (!e.isTextual() || !e.asText().startsWith("/")) {
                    throw bad("controller.volumes must be a list of absolute host paths: " + e);
                }
                vols.add(e.asText());
            }
        }
        ControllerSettings s = new ControllerSettings(
                str(controller, "controller", "bind", d.bind()), port,
                positive(duration(controller, "controller", "lease", d.lease()), "controller.lease"),
                duration(controller, "controller", "lostGrace", d.lostGrace()), cap,
                integer(controller, "controller", "maxRequeues", d.maxRequeues()),
                integer(controller, "controller", "maxPlacementsPerCycle", d.maxPlacementsPerCycle()),
                positive(duration(controller, "controller", "cycle", d.cycle()), "controller.cycle"),
                bytes(controller, "controller", "maxLogBytesPerAttempt", new Bytes(d.maxLogBytesPerAttempt())).value(), vols);
        if (s.lostGrace().compareTo(ControllerSettings.MIN_LOST_GRACE) < 0) {
            throw bad("controller.lostGrace must be at least 5s: the agent and its lease watchdog need that long to stop"
                    + " secondaries after their lease ran out, before their tasks may run elsewhere");
        }
        if (s.maxRequeues() < 0 || s.maxPlacementsPerCycle() < 1) {
            throw bad("controller.maxRequeues must be >= 0 and maxPlacementsPerCycle >= 1");
        }
        return s;
    }

    // ---- agent ----

    public AgentSettings agentSettings(String nodeOverride, List<URI> controllersOverride, String guardOverride, Path stateDirOverride) {
        String node = nodeOverride != null ? nodeOverride : str(agent, "agent", "node", defaultNodeName());
        List<URI> controllers = controllersOverride;
        if (controllers == null || controllers.isEmpty()) {
            controllers = new ArrayList<>();
            JsonNode c = agent.get("controller");
            if (c != null && c.isArray()) {
                for (JsonNode e : c) {
                    controllers.add(uri(e.asText()));
                }
            } else if (c != null && c.isTextual()) {
                for (String u : c.asText().split(",")) {
                    controllers.add(uri(u.trim()));
                }
            }
        }
        GuardMode guard = GuardMode.parse(guardOverride != null ? guardOverride : str(agent, "agent", "guard", "balanced"));
        Path state = stateDirOverride != null ? stateDirOverride : Path.of(str(agent, "agent", "stateDir", "/var/lib/glean/agent"));
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = agent.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                throw bad("agent.labels must be a mapping of names to values");
            }
            l.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        }
        AgentSettings d = AgentSettings.defaults(node, controllers, state);
        return new AgentSettings(node, controllers, state, labels, guard,
                positive(duration(agent, "agent", "reportInterval", d.reportInterval()), "agent.reportInterval"),
                positive(duration(agent, "agent", "watchInterval", d.watchInterval()), "agent.watchInterval"),
                integer(agent, "agent", "pidsPerJob", (int) d.pidsPerJob()), integer(agent, "agent", "pidsTotal", (int) d.pidsTotal()),
                duration(agent, "agent", "stopGrace", d.stopGrace()));
    }

    /**
     * The name of glean's parent cgroup (directly under the root of every hierarchy). Two agents on one host need
     * two names: each caps and evicts everything under its own parent.
     */
    public String cgroupParent() {
        String p = str(agent, "agent", "cgroupParent", dev.glean.agent.cgroup.CgroupHost.DEFAULT_PARENT);
        if (!p.matches("[A-Za-z0-9_.-]+") || p.startsWith(".")) {
            throw bad("agent.cgroupParent must be one cgroup name ([A-Za-z0-9_.-], no slash): '" + p + "'");
        }
        return p;
    }

    public static String defaultNodeName() {
        try {
            String h = java.net.InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "localhost" : h.replaceAll("[^A-Za-z0-9_.:-]", "-");
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private URI uri(String s) {
        try {
            URI u = URI.create(s);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw bad("controller URL must be http(s)://host:port: '" + s + "'");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw bad("controller URL must be http(s)://host:port: '" + s + "'");
        }
    }

    // ---- typed values ----

    private String str(JsonNode s, String sec, String key, String def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isValueNode()) {
            throw bad(sec + "." + key + " must be a single value");
        }
        return v.asText();
    }

    private int integer(JsonNode s, String sec, String key, int def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw bad(sec + "." + key + " must be a whole number: " + v);
        }
        return v.intValue();
    }

    private double dbl(JsonNode s, String sec, String key, double def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isNumber()) {
            throw bad(sec + "." + key + " must be a number: " + v);
        }
        return v.doubleValue();
    }

    private double fraction(JsonNode s, String sec, String key, double def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        String t = v.asText().trim();
        try {
            double f = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
            if (f < 0 || f >= 1) {
                throw bad(sec + "." + key + " must be between 0% and 100%: " + t);
            }
            return f;
        } catch (NumberFormatException e) {
            throw bad(sec + "." + key + " must be a percentage like 10% or a fraction like 0.1: " + t);
        }
    }

    private Duration duration(JsonNode s, String sec, String key, Duration def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        try {
            return DurationText.parse(v.asText());
        } catch (GleanException e) {
            throw bad(sec + "." + key + ": " + e.getMessage());
        }
    }

    private Bytes bytes(JsonNode s, String sec, String key, Bytes def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        try {
            return v.isIntegralNumber() ? new Bytes(v.longValue()) : Bytes.parse(v.asText());
        } catch (GleanException e) {
            throw bad(sec + "." + key + ": " + e.getMessage());
        }
    }

    private Millicores millicores(JsonNode s, String sec, String key, Millicores def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        try {
            return v.isNumber() ? Millicores.ofCores(v.doubleValue()) : Millicores.parse(v.asText());
        } catch (GleanException e) {
            throw bad(sec + "." + key + ": " + e.getMessage());
        }
    }

    private Duration positive(Duration d, String key) {
        if (d.isZero() || d.isNegative()) {
            throw bad(key + " must be positive");
        }
        return d;
    }
}
