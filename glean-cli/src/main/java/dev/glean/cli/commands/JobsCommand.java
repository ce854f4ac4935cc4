package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "jobs", description = "List jobs.")
public final class JobsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--state", paramLabel = "S", description = "only jobs in this state (QUEUED, RUNNING, SUCCEEDED, ...)")
    String state;

    @Option(names = "-o", paramLabel = "FORMAT", description = "json for the raw API answer")
    String output;

    @Override
    public Integer call() {
        Output.check(output);
        String q = state == null ? "" : "?state=" + URLEncoder.encode(state, StandardCharsets.UTF_8);
        JsonNode r = client.client().get("/api/v1/jobs" + q);
        PrintWriter out = spec.commandLine().getOut();
        if (Output.json(output)) {
            Output.print(out, r);
            return 0;
        }
        Table t = new Table("ID", "NAME", "TENANT", "STATE", "TASKS", "EXIT", "NODE", "SUBMITTED");
        for (JsonNode j : r.path("jobs")) {
            t.row(j.path("id").asText(), j.path("name").asText(), j.path("tenant").asText(), j.path("state").asText(),
                    Output.tasks(j.path("tasks")), Output.text(j.get("exitCode")), Output.text(j.get("node")),
                    Output.text(j.get("submittedAt")));
        }
        t.print(out);
        return 0;
    }

}
