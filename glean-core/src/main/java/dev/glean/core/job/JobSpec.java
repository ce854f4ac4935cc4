package dev.glean.core.job;

import dev.glean.core.error.GleanException;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a user asks for. Built only through {@link #validated}, so every instance is valid. Nullable:
 * {@code array} (a single task), {@code checkpointDir}, {@code timeout} (none).
 * {@code labels} are node-label constraints: the job runs only on nodes that carry all of them.
 */
public record JobSpec(
        String name,
        List<String> command,
        Millicores cpu,
        Bytes memory,
        int priority,
        String tenant,
        Map<String, String> env,
        Map<String, String> labels,
        IndexRange array,
        List<VolumeMount> volumes,
        String image,
        String checkpointDir,
        int retries,
        Duration timeout) {

    public static final String HOST_IMAGE = "host";
    public static final int MAX_RETRIES = 100;
    /** Bounds that keep every sum of requests far from overflowing. */
    public static final long MAX_CPU_MILLICORES = 1_024_000;
    public static final long MAX_MEMORY_BYTES = 64L << 40;
    public static final Duration MAX_TIMEOUT = Duration.ofDays(366);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9_./-]{1,128}");
    private static final int MAX_ARG_BYTES = 256 * 1024;

    public JobSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
        volumes = List.copyOf(volumes);
    }

    public Resources resources() {
        return new Resources(cpu, memory);
    }

    public int taskCount() {
        return array == null ? 1 : array.size();
    }

    public int firstIndex() {
        return array == null ? 0 : array.first();
    }

    /** Checks every rule and throws one INVALID_ARGUMENT naming the first broken one. */
    public static JobSpec validated(
            String name, List<String> command, Millicores cpu, Bytes memory, Integer priority, String tenant,
            Map<String, String> env, Map<String, String> labels, IndexRange array, List<VolumeMount> volumes,
            String image, String checkpointDir, Integer retries, Duration timeout) {
        if (command == null || command.isEmpty() || command.get(0) == null || command.get(0).isBlank()) {
            throw GleanException.invalid("command is empty");
        }
        long argBytes = 0;
        for (String a : command) {
            if (a == null) {
                throw GleanException.invalid("command has a null argument");
            }
            if (a.indexOf('\0') >= 0) {
                throw GleanException.invalid("command arguments must not contain NUL");
            }
            argBytes += a.length();
        }
        if (argBytes > MAX_ARG_BYTES) {
            throw GleanException.invalid("command is longer than " + MAX_ARG_BYTES + " characters");
        }
        String n = name == null || name.isBlank() ? defaultName(command) : name.trim();
        if (!NAME.matcher(n).matches()) {
            throw GleanException.invalid("name must match [A-Za-z0-9_.:-]{1,128}: '" + name + "'");
        }
        if (cpu == null || cpu.value() <= 0) {
            throw GleanException.invalid("cpu must be more than 0");
        }
        if (cpu.value() > MAX_CPU_MILLICORES) {
            throw GleanException.invalid("cpu must be at most " + MAX_CPU_MILLICORES / 1000 + " CPUs");
        }
        if (memory == null || memory.value() < (4L << 20)) {
            throw GleanException.invalid("memory must be at least 4M");
        }
        if (memory.value() > MAX_MEMORY_BYTES) {
            throw GleanException.invalid("memory must be at most 64T");
        }
        int prio = priority == null ? 0 : priority;
        if (prio < -1000 || prio > 1000) {
            throw GleanException.invalid("priority must be between -1000 and 1000: " + prio);
        }
        String t = tenant == null || tenant.isBlank() ? "default" : tenant.trim();
        if (!NAME.matcher(t).matches()) {
            throw GleanException.invalid("tenant must match [A-Za-z0-9_.:-]{1,128}: '" + tenant + "'");
        }
        Map<String, String> e = env == null ? Map.of() : env;
        for (var kv : e.entrySet()) {
            if (kv.getKey() == null || !ENV_KEY.matcher(kv.getKey()).matches()) {
                throw GleanException.invalid("env name must match [A-Za-z_][A-Za-z0-9_]*: '" + kv.getKey() + "'");
            }
            if (kv.getValue() == null || kv.getValue().indexOf('\0') >= 0) {
                throw GleanException.invalid("env value of " + kv.getKey() + " is missing or contains NUL");
            }
            if (kv.getKey().startsWith("GLEAN_")) {
                throw GleanException.invalid("env names starting with GLEAN_ are reserved: " + kv.getKey());
            }
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        for (var kv : l.entrySet()) {
            if (kv.getKey() == null || !LABEL_KEY.matcher(kv.getKey()).matches()
                    || kv.getValue() == null || !LABEL_KEY.matcher(kv.getValue()).matches()) {
                throw GleanException.invalid("label must be K=V of [A-Za-z0-9_./-]: '" + kv.getKey() + "=" + kv.getValue() + "'");
            }
        }
        String img = image == null || image.isBlank() ? HOST_IMAGE : image.trim();
        if (!img.equals(HOST_IMAGE)) {
            throw GleanException.invalid("image '" + img + "' is not supported yet: only 'host' runs in this version");
        }
        if (checkpointDir != null && !checkpointDir.isBlank()) {
            throw GleanException.invalid("checkpointDir: checkpoints are not supported in this version");
        }
        int r = retries == null ? 0 : retries;
        if (r < 0 || r > MAX_RETRIES) {
            throw GleanException.invalid("retries must be between 0 and " + MAX_RETRIES + ": " + r);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw GleanException.invalid("timeout must be positive and at most 366 days");
        }
        return new JobSpec(n, command, cpu, memory, prio, t, e, l, array,
                volumes == null ? List.of() : volumes, img, null, r, timeout);
    }

    private static String defaultName(List<String> command) {
        String base = command.get(0);
        int slash = base.lastIndexOf('/');
        base = slash >= 0 ? base.substring(slash + 1) : base;
        base = base.replaceAll("[^A-Za-z0-9_.:-]", "_");
        if (base.isEmpty()) {
            base = "job";
        }
        return base.length() > 128 ? base.substring(0, 128) : base;
    }
}
