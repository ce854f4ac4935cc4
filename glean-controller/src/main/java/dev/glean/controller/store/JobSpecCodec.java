package dev.glean.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.IndexRange;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stored form of a {@link JobSpec}: a JSON object written and read field by field (no reflection over
 * the core records, so renaming a record component cannot silently change what is on disk).
 *
 * <pre>
 * {"v":1, "name":"sim", "command":["sim","--seed","{index}"], "cpuMillicores":500, "memoryBytes":268435456,
 *  "priority":0, "tenant":"default", "env":{"K":"V"}, "labels":{"zone":"a"}, "array":"0-999",
 *  "volumes":["/data:/data:ro"], "image":"host", "checkpointDir":null, "retries":2, "timeoutMillis":3600000}
 * </pre>
 *
 * {@code array}, {@code checkpointDir} and {@code timeoutMillis} are omitted when null. A timeout is kept to
 * the millisecond. Decoding does not re-validate (a spec accepted once stays readable if the submit rules
 * tighten later); it fails with STORAGE_ERROR when the stored text is not a spec of a known version.
 */
public final class JobSpecCodec {
    /** The format version written by this code; decoding accepts versions up to it. */
    public static final int VERSION = 1;

    // Decoded on the report path's virtual threads: buffers recycled across threads, as the wire mapper's are.
    private static final ObjectMapper MAPPER = new ObjectMapper(dev.glean.api.WireJson.newFactory());
    /** Node labels by their stored text: a fleet has few distinct label sets, and each node read decodes one. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Map<String, String>> LABELS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_LABEL_SETS = 4096;

    private JobSpecCodec() {}

    public static String encode(JobSpec spec) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("v", VERSION);
        o.put("name", spec.name());
        ArrayNode cmd = o.putArray("command");
        spec.command().forEach(cmd::add);
        o.put("cpuMillicores", spec.cpu().value());
        o.put("memoryBytes", spec.memory().value());
        o.put("priority", spec.priority());
        o.put("tenant", spec.tenant());
        o.set("env", mapNode(spec.env()));
        o.set("labels", mapNode(spec.labels()));
        if (spec.array() != null) {
            o.put("array", spec.array().first() + "-" + spec.array().last());
        }
        ArrayNode vols = o.putArray("volumes");
        for (VolumeMount v : spec.volumes()) {
            if (v.hostPath().contains(":") || v.containerPath().contains(":")) {
                throw GleanException.invalid("volume paths must not contain ':': " + v.hostPath() + " " + v.containerPath());
            }
            vols.add(v.hostPath() + ":" + v.containerPath() + (v.readOnly() ? ":ro" : ""));
        }
        o.put("image", spec.image());
        if (spec.checkpointDir() != null) {
            o.put("checkpointDir", spec.checkpointDir());
        }
        o.put("retries", spec.retries());
        if (spec.timeout() != null) {
            o.put("timeoutMillis", spec.timeout().toMillis());
        }
        return write(o);
    }

    public static JobSpec decode(String json) {
        JsonNode o = read(json);
        if (!o.isObject()) {
            throw corrupt("not a JSON object");
        }
        int v = requireInt(o, "v");
        if (v < 1 || v > VERSION) {
            throw corrupt("format version " + v + " is newer than this glean understands (" + VERSION + ")");
        }
        try {
            List<String> command = new ArrayList<>();
            for (JsonNode a : require(o, "command", JsonNodeType.ARRAY)) {
                command.add(textValue(a, "command"));
            }
            List<VolumeMount> volumes = new ArrayList<>();
            JsonNode vols = o.get("volumes");
            if (vols != null && !vols.isNull()) {
                if (!vols.isArray()) {
                    throw corrupt("volumes is not an array");
                }
                for (JsonNode vol : vols) {
                    volumes.add(VolumeMount.parse(textValue(vol, "volumes")));
                }
            }
            String array = optText(o, "array");
            JsonNode timeout = o.get("timeoutMillis");
            return new JobSpec(
                    requireText(o, "name"),
                    command,
                    new Millicores(requireLong(o, "cpuMillicores")),
                    new Bytes(requireLong(o, "memoryBytes")),
                    requireInt(o, "priority"),
                    requireText(o, "tenant"),
                    mapFrom(o.get("env"), "env"),
                    mapFrom(o.get("labels"), "labels"),
                    array == null ? null : IndexRange.parse(array),
                    volumes,
                    requireText(o, "image"),
                    optText(o, "checkpointDir"),
                    requireInt(o, "retries"),
                    timeout == null || timeout.isNull() ? null : Duration.ofMillis(longValue(timeout, "timeoutMillis")));
        } catch (GleanException e) {
            if (e.code() == ErrorCode.STORAGE_ERROR) {
                throw e;
            }
            throw corrupt(e.getMessage());
        }
    }

    // ---- string maps as JSON objects (node labels, event data) ----

    /** A map of strings as a JSON object, keys sorted. */
    public static String encodeMap(Map<String, String> map) {
        return write(mapNode(map));
    }

    public static Map<String, String> decodeMap(String json) {
        if (json == null || json.equals("{}")) {
            return Map.of();
        }
        return mapFrom(read(json), "map");
    }

    /**
     * {@link #decodeMap} for node labels: unordered and immutable, and the same instance for the same text (the
     * scheduler reads every node each cycle; one map per distinct label set instead of one per read).
     */
    public static Map<String, String> decodeLabels(String json) {
        if (json == null || json.equals("{}")) {
            return Map.of();
        }
        Map<String, String> m = LABELS.get(json);
        if (m == null) {
            m = Map.copyOf(decodeMap(json));
            if (LABELS.size() >= MAX_LABEL_SETS) {
                LABELS.clear();
            }
            LABELS.put(json, m);
        }
        return m;
    }

    private static ObjectNode mapNode(Map<String, String> map) {
        ObjectNode n = MAPPER.createObjectNode();
        if (map != null) {
            new TreeMap<>(map).forEach(n::put);
        }
        return n;
    }

    private static Map<String, String> mapFrom(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw corrupt(field + " is not a JSON object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            m.put(e.getKey(), textValue(e.getValue(), field + "." + e.getKey()));
        }
        return m;
    }

    // ---- helpers ----

    private static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new GleanException(ErrorCode.STORAGE_ERROR, "cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode read(String json) {
        if (json == null) {
            throw corrupt("no JSON text");
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw corrupt("not JSON: " + e.getOriginalMessage());
        }
    }

    private static JsonNode require(JsonNode o, String field, JsonNodeType type) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw corrupt("field '" + field + "' is missing");
        }
        if (n.getNodeType() != type) {
            throw corrupt("field '" + field + "' is not " + type.name().toLowerCase(java.util.Locale.ROOT));
        }
        return n;
    }

    private static String requireText(JsonNode o, String field) {
        return require(o, field, JsonNodeType.STRING).textValue();
    }

    private static String optText(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : textValue(n, field);
    }

    private static long requireLong(JsonNode o, String field) {
        return longValue(require(o, field, JsonNodeType.NUMBER), field);
    }

    private static int requireInt(JsonNode o, String field) {
        long v = requireLong(o, field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw corrupt("field '" + field + "' is out of range: " + v);
        }
        return (int) v;
    }

    private static long longValue(JsonNode n, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw corrupt("field '" + field + "' is not an integer");
        }
        return n.longValue();
    }

    private static String textValue(JsonNode n, String field) {
        if (!n.isTextual()) {
            throw corrupt("'" + field + "' holds a non-string value");
        }
        return n.textValue();
    }

    private static GleanException corrupt(String what) {
        return new GleanException(ErrorCode.STORAGE_ERROR, "stored JSON is not readable: " + what);
    }
}
