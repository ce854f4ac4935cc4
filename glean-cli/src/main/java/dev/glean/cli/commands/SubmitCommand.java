package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glean.api.JobSpecJson;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import dev.glean.cli.client.ApiClient;
import dev.glean.core.error.GleanException;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "submit", description = "Submit a job; prints its id alone on the last line.")
public final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "-f", paramLabel = "FILE", description = "job file (YAML or JSON) with the fields of the REST job spec")
    Path file;

    @Option(names = "--name")
    String name;

    @Option(names = "--cpu", paramLabel = "C", description = "CPUs the job needs (0.5 = half a core); default 1")
    String cpu;

    @Option(names = "--memory", paramLabel = "M", description = "hard memory limit, e.g. 256M, 2G; default 512M")
    String memory;

    @Option(names = "--priority", paramLabel = "N")
    Integer priority;

    @Option(names = "--tenant", paramLabel = "T")
    String tenant;

    @Option(names = "--env", paramLabel = "K=V")
    Map<String, String> env;

    @Option(names = "--label", paramLabel = "K=V", description = "node label the job needs (constraint)")
    Map<String, String> labels;

    @Option(names = "--array", paramLabel = "A-B", description = "run one task per index; {index} in arguments is replaced")
    String array;

    @Option(names = "--volume", paramLabel = "HOST:PATH[:ro]")
    List<String> volumes;

    @Option(names = "--image", paramLabel = "REF", description = "'host' (default): the host's /usr, /etc, /opt read-only")
    String image;

    @Option(names = "--checkpoint-dir", paramLabel = "PATH")
    String checkpointDir;

    @Option(names = "--retries", paramLabel = "N")
    Integer retries;

    @Option(names = "--timeout", paramLabel = "D", description = "e.g. 90s, 30m, 2h")
    String timeout;

    @Option(names = "--wait", description = "wait for the job to end; exit with its exit code")
    boolean await;

    @Parameters(paramLabel = "CMD", description = "the command and its arguments (after --)")
    List<String> command;

    @Override
    public Integer call() {
        ObjectNode body = file != null ? readFile(file) : WireJson.mapper().createObjectNode();
        if (file != null && command != null && !command.isEmpty()) {
            throw new CliException(CliException.USAGE, "give either -f FILE or a command, not both");
        }
        if (command != null && !command.isEmpty()) {
            ArrayNode c = body.putArray("command");
            command.forEach(c::add);
        }
        if (!body.has("command")) {
            throw new CliException(CliException.USAGE, "no command given: glean submit [options] -- CMD ARGS... (or -f job.yaml)");
        }
        if (name != null) {
            body.put("name", name);
        }
        if (cpu != null) {
            body.put("cpu", usage(() -> Millicores.parse(cpu)).cores());
        }
        if (memory != null) {
            body.put("memory", usage(() -> Bytes.parse(memory)).value());
        }
        if (priority != null) {
            body.put("priority", priority);
        }
        if (tenant != null) {
            body.put("tenant", tenant);
        }
        if (env != null) {
            ObjectNode e = body.has("env") && body.get("env").isObject() ? (ObjectNode) body.get("env") : body.putObject("env");
            env.forEach(e::put);
        }
        if (labels != null) {
            ObjectNode l = body.has("labels") && body.get("labels").isObject() ? (ObjectNode) body.get("labels") : body.putObject("labels");
            labels.forEach(l::put);
        }
        if (array != null) {
            body.put("array", array);
        }
        if (volumes != null) {
            ArrayNode v = body.putArray("volumes");
            volumes.forEach(v::add);
        }
        if (image != null) {
            body.put("image", image);
        }
        if (checkpointDir != null) {
            body.put("checkpointDir", checkpointDir);
        }
        if (retries != null) {
            body.put("retries", retries);
        }
        if (timeout != null) {
            body.put("timeout", timeout);
        }
        // Check locally first so a bad flag is a usage error (2), not a server refusal (3).
        usage(() -> JobSpecJson.parse(body, new Millicores(1000), Bytes.ofMiB(512)));
        ApiClient api = client.client();
        JsonNode job = api.post("/api/v1/jobs", body);
        String id = job.path("id").asText();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println(id);
        out.flush();
        if (!await) {
            return 0;
        }
        return waitFor(api, id, err);
    }

    static int waitFor(ApiClient api, String id, PrintWriter err) {
        while (true) {
            JsonNode j = api.get("/api/v1/jobs/" + id + "?wait=30s");
            String state = j.path("state").asText();
            if (isTerminal(state)) {
                JsonNode code = j.get("exitCode");
                err.println("job " + id + " " + state + (code != null && !code.isNull() ? " exit " + code.asInt() : "")
                        + (j.hasNonNull("reason") && !"SUCCEEDED".equals(state) ? " (" + j.get("reason").asText() + ")" : ""));
                err.flush();
                if (code != null && !code.isNull()) {
                    return code.asInt();
                }
                return "SUCCEEDED".equals(state) ? 0 : 1;
            }
        }
    }

    static boolean isTerminal(String state) {
        return switch (state) {
            case "SUCCEEDED", "FAILED", "CANCELLED", "LOST" -> true;
            default -> false;
        };
    }

    private static ObjectNode readFile(Path f) {
        if (!Files.isRegularFile(f)) {
            throw new CliException(CliException.USAGE, "job file " + f + " does not exist");
        }
        try {
            JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(f.toFile());
            if (n == null || !n.isObject()) {
                throw new CliException(CliException.USAGE, "job file " + f + " must be a mapping of job fields");
            }
            return (ObjectNode) WireJson.mapper().readTree(WireJson.mapper().writeValueAsBytes(n));
        } catch (IOException e) {
            throw new CliException(CliException.USAGE, "job file " + f + " is not valid YAML/JSON: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    private static <T> T usage(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (GleanException | IllegalArgumentException | ArithmeticException e) {
            throw new CliException(CliException.USAGE, e.getMessage());
        }
    }

    static List<String> copy(List<String> l) {
        return l == null ? List.of() : new ArrayList<>(l);
    }
}
