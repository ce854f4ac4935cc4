package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "job", description = "Show one job: state, attempts and history.")
public final class JobCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "-o", paramLabel = "FORMAT")
    String output;

    @Override
    public Integer call() {
        Output.check(output);
        JsonNode j = client.client().get("/api/v1/jobs/" + Ids.check(id));
        PrintWriter out = spec.commandLine().getOut();
        if (Output.json(output)) {
            Output.print(out, j);
            return 0;
        }
        out.printf("id:         %s%n", j.path("id").asText());
        out.printf("name:       %s%n", j.path("name").asText());
        out.printf("tenant:     %s%n", j.path("tenant").asText());
        out.printf("state:      %s%n", j.path("state").asText());
        out.printf("exit code:  %s%n", Output.text(j.get("exitCode")));
        out.printf("node:       %s%n", Output.text(j.get("node")));
        out.printf("cpu:        %s%n", j.path("cpu").asText());
        out.printf("memory:     %s bytes%n", j.path("memoryBytes").asText());
        out.printf("priority:   %s%n", j.path("priority").asText());
        out.printf("tasks:      %s%n", Output.tasks(j.path("tasks")));
        out.printf("submitted:  %s%n", Output.text(j.get("submittedAt")));
        out.printf("started:    %s%n", Output.text(j.get("startedAt")));
        out.printf("finished:   %s%n", Output.text(j.get("finishedAt")));
        out.printf("reason:     %s%n", Output.text(j.get("reason")));
        out.printf("command:    %s%n", j.path("spec").path("command"));
        out.println();
        Table a = new Table("TASK", "ATTEMPT", "NODE", "STATE", "EXIT", "STARTED", "FINISHED", "REASON");
        for (JsonNode x : j.path("attempts")) {
            a.row(x.path("task").asText(), x.path("attempt").asText(), Output.text(x.get("node")), x.path("state").asText(),
                    Output.text(x.get("exitCode")), Output.text(x.get("startedAt")), Output.text(x.get("finishedAt")),
                    Output.text(x.get("reason")));
        }
        a.print(out);
        out.println();
        Table e = new Table("TIME", "EVENT", "TASK", "NODE", "CHANGE", "REASON");
        for (JsonNode x : j.path("events")) {
            e.row(x.path("at").asText(), x.path("type").asText(), Output.text(x.get("task")), Output.text(x.get("node")),
                    EventsCommand.change(x), Output.text(x.get("reason")));
        }
        e.print(out);
        return 0;
    }
}
