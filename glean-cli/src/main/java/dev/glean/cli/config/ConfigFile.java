package dev.glean.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glean.agent.AgentSettings;
import dev.glean.agent.guard.ProtectedIncumbents;
import dev.glean.controller.ControllerSettings;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.job.DurationText;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.schedule.LendingHours;
import dev.glean.core.schedule.LendingPolicies;
import dev.glean.core.schedule.LendingPolicy;
import dev.glean.core.schedule.LendingWindow;
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
            "cpuHeadroom", "cpuLendMin", "memoryReserve", "memoryReserveMin", "staleAfter", "window", "maxRequeues",
            "maxPlacementsPerCycle", "cycle", "maxLogBytesPerAttempt", "volumes", "lending", "preemption");
    static final Set<String> LENDING_KEYS = Set.of("node", "labels", "maxCpu", "maxMemory", "hours", "zone", "cordon");
    static final Set<String> AGENT_KEYS = Set.of("node", "controller", "guard", "stateDir", "labels", "reportInterval",
            "watchInterval", "pidsPerJob", "pidsTotal", "stopGrace", "protect", "metrics", "diskPerJob", "logPerJob",
            "cgroupParent", "ownCpu");

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
                bytes(controller, "controller", "maxLogBytesPerAttempt", new Bytes(d.maxLogBytesPerAttempt())).value(), vols,
                lending(controller.get("lending")), bool(controller, "controller", "preemption", d.preemption()));
        if (s.lostGrace().compareTo(ControllerSettings.MIN_LOST_GRACE) < 0) {
            throw bad("controller.lostGrace must be at least 5s: the agent and its lease watchdog need that long to stop"
                    + " secondaries after their lease ran out, before their tasks may run elsewhere");
        }
        if (s.maxRequeues() < 0 || s.maxPlacementsPerCycle() < 1) {
            throw bad("controller.maxRequeues must be >= 0 and maxPlacementsPerCycle >= 1");
        }
        return s;
    }

    /**
     * {@code controller.lending}: a list of rules, each for a node (by name), for the nodes carrying some labels, or
     * for every node; every rule that matches a node applies and the strictest limit wins.
     */
    private LendingPolicies lending(JsonNode list) {
        if (list == null || list.isNull()) {
            return LendingPolicies.NONE;
        }
        if (!list.isArray()) {
            throw bad("controller.lending must be a list of rules (node:, labels:, maxCpu:, maxMemory:, hours:, zone:, cordon:)");
        }
        List<LendingPolicies.Rule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode r : list) {
            String at = "controller.lending[" + i++ + "]";
            if (!r.isObject()) {
                throw bad(at + " must be a mapping");
            }
            for (Iterator<String> it = r.fieldNames(); it.hasNext();) {
                String k = it.next();
                if (!LENDING_KEYS.contains(k)) {
                    throw bad("unknown key " + at + "." + k + " (known: " + new java.util.TreeSet<>(LENDING_KEYS) + ")");
                }
            }
            String node = str(r, at, "node", null);
            Map<String, String> labels = new LinkedHashMap<>();
            JsonNode l = r.get("labels");
            if (l != null && !l.isNull()) {
                if (!l.isObject()) {
                    throw bad(at + ".labels must be a mapping of names to values");
                }
                l.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            }
            double cpu = share(r, at, "maxCpu");
            double memory = share(r, at, "maxMemory");
            java.time.ZoneId zone;
            try {
                zone = java.time.ZoneId.of(str(r, at, "zone", "UTC"));
            } catch (java.time.DateTimeException e) {
                throw bad(at + ".zone is not a time zone (like Europe/Berlin or UTC): " + r.get("zone").asText());
            }
            LendingHours hours = LendingHours.ALWAYS;
            JsonNode h = r.get("hours");
            if (h != null && !h.isNull()) {
                List<LendingWindow> windows = new ArrayList<>();
                try {
                    if (h.isArray()) {
                        for (JsonNode w : h) {
                            windows.add(LendingWindow.parse(w.asText()));
                        }
                    } else {
                        for (String w : h.asText().split(";")) {
                            windows.add(LendingWindow.parse(w));
                        }
                    }
                } catch (GleanException e) {
                    throw bad(at + ".hours: " + e.getMessage());
                }
                if (windows.isEmpty()) {
                    throw bad(at + ".hours must name at least one window, like 'Mon-Fri 20:00-07:00'");
                }
                hours = new LendingHours.Weekly(zone, windows);
            }
            JsonNode c = r.get("cordon");
            if (c != null && !c.isNull() && !c.isBoolean()) {
                throw bad(at + ".cordon must be true or false");
            }
            rules.add(new LendingPolicies.Rule(node, labels,
                    new LendingPolicy(cpu, memory, hours, c != null && c.asBoolean())));
        }
        return new LendingPolicies(rules);
    }

    /** A share of a node from 0 to 100 % inclusive ("60%" or 0.6); absent: all of it. */
    private double share(JsonNode s, String sec, String key) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return 1;
        }
        String t = v.asText().trim();
        try {
            double f = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
            if (!(f >= 0 && f <= 1)) {
                throw bad(sec + "." + key + " must be between 0% and 100%: " + t);
            }
            return f;
        } catch (NumberFormatException e) {
            throw bad(sec + "." + key + " must be a percentage like 60% or a fraction like 0.6: " + t);
        }
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
                duration(agent, "agent", "stopGrace", d.stopGrace()), protect(agent.get("protect")), metricsAddress(d.metrics()),
                bytes(agent, "agent", "diskPerJob", d.diskPerJob()), bytes(agent, "agent", "logPerJob", d.logPerJob()));
    }

    /** {@code agent.protect: {processes: [postgres], cgroups: [/system.slice/postgresql.service]}}. */
    private ProtectedIncumbents protect(JsonNode p) {
        if (p == null || p.isNull()) {
            return ProtectedIncumbents.NONE;
        }
        if (!p.isObject()) {
            throw bad("agent.protect must be a mapping with processes: and cgroups:");
        }
        for (Iterator<String> it = p.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!k.equals("processes") && !k.equals("cgroups")) {
                throw bad("unknown key agent.protect." + k + " (known: [cgroups, processes])");
            }
        }
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (JsonNode n : list(p, "processes")) {
            String name = n.asText();
            // The kernel keeps 15 characters of a process name: a longer one would never match.
            if (!n.isTextual() || name.isEmpty() || name.length() > 15 || name.contains("/")) {
                throw bad("agent.protect.processes holds process names as ps -o comm shows them (1-15 characters, no '/'): " + n);
            }
            names.add(name);
        }
        List<String> cgroups = new ArrayList<>();
        for (JsonNode n : list(p, "cgroups")) {
            if (!n.isTextual() || !n.asText().startsWith("/") || n.asText().contains("..")) {
                throw bad("agent.protect.cgroups holds absolute cgroup paths like /system.slice/postgresql.service: " + n);
            }
            cgroups.add(n.asText());
        }
        return new ProtectedIncumbents(names, cgroups);
    }

    private List<JsonNode> list(JsonNode parent, String key) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw bad("agent.protect." + key + " must be a list");
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }


    /** agent.metrics: "host:port", or off (also false, none) for no listener. */
    private String metricsAddress(String def) {
        String v = str(agent, "agent", "metrics", def);
        if (v.equals("off") || v.equals("false") || v.equals("none") || v.isBlank()) {
            return null;
        }
        try {
            dev.glean.agent.MetricsServer.address(v);
        } catch (dev.glean.core.error.GleanException e) {
            throw bad("agent.metrics: " + e.getMessage() + " (or off)");
        }
        return v;
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

    /**
     * agent.ownCpu: normal (default) leaves every thread where it started; idle runs the agent's threads in the
     * kernel's idle class (see AgentCpu: less harm to the incumbents' tail), all but those that must act on time (the
     * guard's loop, the lease's enforcer, the lease watchdog process). Not the default: the JVM's own threads (the VM
     * thread that runs every stop-the-world pause) stay idle too, and on a saturated node a pause then holds the guard
     * and the enforcer for seconds (seen in CI). v1 only: on a v2 host both mean normal.
     */
    public boolean ownCpuIdle() {
        String v = str(agent, "agent", "ownCpu", "normal");
        return switch (v) {
            case "idle" -> true;
            case "normal" -> false;
            default -> throw bad("agent.ownCpu must be idle or normal: '" + v + "'");
        };
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

    private boolean bool(JsonNode s, String sec, String key, boolean def) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isBoolean()) {
            throw bad(sec + "." + key + " must be true or false: " + v);
        }
        return v.booleanValue();
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
