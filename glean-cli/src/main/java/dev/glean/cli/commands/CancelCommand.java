package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", description = "Cancel a job; running tasks are stopped (TERM, then KILL after the grace period).")
public final class CancelCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        JsonNode j = client.client().delete("/api/v1/jobs/" + Ids.check(id));
        spec.commandLine().getOut().println("job " + j.path("id").asText() + " " + j.path("state").asText());
        return 0;
    }
}
