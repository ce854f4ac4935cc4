package dev.glean.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.DurationText;
import dev.glean.core.job.IndexRange;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job spec as JSON (the REST body) or YAML (a job file), strictly: unknown fields and wrong types are
 * errors naming the field. Defaults for cpu and memory come from the caller (controller config).
 */
public final class JobSpecJson {
    public static final Set<String> FIELDS = Set.of("name", "command", "cpu", "memory", "priority", "tenant", "env", "labels",
            "array", "volumes", "image", "checkpointDir", "retries", "timeout");

    private JobSpecJson() {}

    public static JobSpec parse(JsonNode n, Millicores defaultCpu, Bytes defaultMemory) {
        if (n == null || !n.isObject()) {
            throw new GleanException(ErrorCode.MALFORMED_REQUEST, "job spec must be a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new GleanException(ErrorCode.UNKNOWN_FIELD, "unknown field '" + f + "'; known: " + new java.util.TreeSet<>(FIELDS));
            }
        }
        List<String> command = strings(n.get("command"), "command");
        Millicores cpu = present(n, "cpu") ? cpu(n.get("cpu")) : defaultCpu;
        Bytes memory = present(n, "memory") ? memory(n.get("memory")) : defaultMemory;
        Integer priority = present(n, "priority") ? integer(n.get("priority"), "priority") : null;
        Integer retries = present(n, "retries") ? integer(n.get("retries"), "retries") : null;
        IndexRange array = present(n, "array") ? IndexRange.parse(text(n.get("array"), "array")) : null;
        Duration timeout = present(n, "timeout") ? duration(n.get("timeout")) : null;
        List<VolumeMount> volumes = new ArrayList<>();
        if (present(n, "volumes")) {
            for (String v : strings(n.get("volumes"), "volumes")) {
                volumes.add(VolumeMount.parse(v));
            }
        }
        return JobSpec.validated(
                present(n, "name") ? text(n.get("name"), "name") : null,
                command, cpu, memory, priority,
                present(n, "tenant") ? text(n.get("tenant"), "tenant") : null,
                map(n.get("env"), "env"), map(n.get("labels"), "labels"), array, volumes,
                present(n, "image") ? text(n.get("image"), "image") : null,
                present(n, "checkpointDir") ? text(n.get("checkpointDir"), "checkpointDir") : null,
                retries, timeout);
    }

    /** The spec as the same JSON fields, for job objects and job files. */
    public static ObjectNode write(JobSpec s) {
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("name", s.name());
        ArrayNode cmd = o.putArray("command");
        s.command().forEach(cmd::add);
        o.put("cpu", s.cpu().cores());
        o.put("memory", s.memory().human());
        o.put("priority", s.priority());
        o.put("tenant", s.tenant());
        ObjectNode env = o.putObject("env");
        new java.util.TreeMap<>(s.env()).forEach(env::put);
        ObjectNode labels = o.putObject("labels");
        new java.util.TreeMap<>(s.labels()).forEach(labels::put);
        if (s.array() != null) {
            o.put("array", s.array().toString());
        }
        ArrayNode vols = o.putArray("volumes");
        s.volumes().forEach(v -> vols.add(v.toString()));
        o.put("image", s.image());
        o.put("retries", s.retries());
        if (s.timeout() != null) {
            o.put("timeout", DurationText.format(s.timeout()));
        }
        return o;
    }

    private static boolean present(JsonNode n, String f) {
        return n.has(f) && !n.get(f).isNull();
    }

    private static String text(JsonNode v, String field) {
        if (!v.isTextual()) {
            throw GleanException.invalid(field + " must be a string");
        }
        return v.asText();
    }

    private static Integer integer(JsonNode v, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            if (v.isTextual()) {
                try {
                    return Integer.parseInt(v.asText().trim());
                } catch (NumberFormatException e) {
                    throw GleanException.invalid(field + " must be a whole number: '" + v.asText() + "'");
                }
            }
            throw GleanException.invalid(field + " must be a whole number");
        }
        return v.intValue();
    }

    private static Millicores cpu(JsonNode v) {
        if (v.isNumber()) {
            return Millicores.ofCores(v.doubleValue());
        }
        if (v.isTextual()) {
            return Millicores.parse(v.asText());
        }
        throw GleanException.invalid("cpu must be a number of CPUs like 0.5");
    }

    private static Bytes memory(JsonNode v) {
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong() || v.longValue() < 0) {
                throw GleanException.invalid("memory must be a non-negative number of bytes");
            }
            return new Bytes(v.longValue());
        }
        if (v.isTextual()) {
            return Bytes.parse(v.asText());
        }
        throw GleanException.invalid("memory must be a size like \"256M\" or a number of bytes");
    }

    private static Duration duration(JsonNode v) {
        if (v.isIntegralNumber()) {
            if (v.longValue() <= 0) {
                throw GleanException.invalid("timeout must be positive");
            }
            return Duration.ofSeconds(v.longValue());
        }
        if (v.isTextual()) {
            return DurationText.parse(v.asText());
        }
        throw GleanException.invalid("timeout must be a duration like \"30m\" or a number of seconds");
    }

    private static List<String> strings(JsonNode v, String field) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual() && field.equals("command")) {
            throw GleanException.invalid("command must be an array of strings, like [\"sh\", \"-c\", \"echo hi\"]");
        }
        if (!v.isArray()) {
            throw GleanException.invalid(field + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() && !e.isNumber()) {
                throw GleanException.invalid(field + " must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Map<String, String> map(JsonNode v, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw GleanException.invalid(field + " must be an object of names to strings");
        }
        for (var it = v.fields(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw GleanException.invalid(field + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
