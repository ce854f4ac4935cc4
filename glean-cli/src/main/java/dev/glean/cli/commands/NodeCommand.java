package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code glean node drain|uncordon NAME}: an admin takes a node out of service and gives it back. */
@Command(name = "node", description = "Drain a node (no new work; its tasks are stopped and requeued) or uncordon it.",
        subcommands = {NodeCommand.Drain.class, NodeCommand.Uncordon.class})
public final class NodeCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: drain or uncordon");
    }

    static String check(String name) {
        if (!dev.glean.core.node.Node.isValidName(name)) {
            throw new CliException(CliException.USAGE, "not a node name: '" + name + "'");
        }
        return name;
    }

    /** One POST to /api/v1/nodes/{name}/ACTION and one line of output. */
    abstract static class NodeAction implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        abstract String action();

        abstract String line(JsonNode answer);

        @Override
        public Integer call() {
            JsonNode r = client.client().post("/api/v1/nodes/" + check(name) + "/" + action(), WireJson.mapper().createObjectNode());
            spec.commandLine().getOut().println(line(r));
            return 0;
        }
    }

    @Command(name = "drain", description = "Stop placing work on the node and stop its running tasks; they go back to the queue"
            + " (no retry spent) once the node reports them ended. The node stays cordoned until 'glean node uncordon'.")
    static final class Drain extends NodeAction {
        @Override
        String action() {
            return "drain";
        }

        @Override
        String line(JsonNode r) {
            return "node " + r.path("name").asText() + " cordoned; " + r.path("stopping").size() + " task(s) stopping";
        }
    }

    @Command(name = "uncordon", description = "Let the node take new work again.")
    static final class Uncordon extends NodeAction {
        @Override
        String action() {
            return "uncordon";
        }

        @Override
        String line(JsonNode r) {
            return "node " + r.path("name").asText() + " uncordoned";
        }
    }
}
