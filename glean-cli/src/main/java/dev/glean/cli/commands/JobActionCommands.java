package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code glean hold|release|requeue ID}: one POST each to /api/v1/jobs/{id}/ACTION. */
public final class JobActionCommands {
    private JobActionCommands() {}

    abstract static class Action implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        abstract String action();

        @Override
        public Integer call() {
            JsonNode j = client.client().post("/api/v1/jobs/" + Ids.check(id) + "/" + action(), WireJson.mapper().createObjectNode());
            String line = "job " + j.path("id").asText() + " " + j.path("state").asText() + (j.path("held").asBoolean() ? " (held)" : "");
            if (j.has("stopping")) {
                line += "; " + j.path("stopping").size() + " task(s) stopping";
            }
            spec.commandLine().getOut().println(line);
            return 0;
        }
    }

    @Command(name = "hold", description = "Keep a job's queued tasks from being placed until 'glean release'; running tasks go on.")
    public static final class Hold extends Action {
        @Override
        String action() {
            return "hold";
        }
    }

    @Command(name = "release", description = "Let a held job's queued tasks be placed again.")
    public static final class Release extends Action {
        @Override
        String action() {
            return "release";
        }
    }

    @Command(name = "requeue", description = "Stop a job's running tasks and put them back in the queue (no retry spent); each is"
            + " queued again once its node reports it ended.")
    public static final class Requeue extends Action {
        @Override
        String action() {
            return "requeue";
        }
    }
}
