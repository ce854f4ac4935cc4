package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.core.resources.Bytes;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "nodes", description = "List nodes: what they have, lend, and have promised to secondaries.")
public final class NodesCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "-o", paramLabel = "FORMAT")
    String output;

    @Override
    public Integer call() {
        Output.check(output);
        JsonNode r = client.client().get("/api/v1/nodes");
        PrintWriter out = spec.commandLine().getOut();
        if (Output.json(output)) {
            Output.print(out, r);
            return 0;
        }
        Table t = new Table("NAME", "STATUS", "CPUS", "LEND-CPU", "ALLOC-CPU", "INCUMBENT-CPU", "MEMORY", "LEND-MEM", "ALLOC-MEM",
                "TASKS", "LAST-REPORT");
        for (JsonNode n : r.path("nodes")) {
            JsonNode u = n.path("usage");
            t.row(n.path("name").asText(), n.path("status").asText() + (n.path("cordoned").asBoolean() ? ",cordoned" : "")
                            + (n.path("admitting").asBoolean(true) ? "" : ",not-admitting"),
                    num(n.path("cpus")), num(n.path("lendable").path("cpu")), num(n.path("allocated").path("cpu")),
                    u.isMissingNode() ? "-" : num(u.path("incumbentCpu")), bytes(n.path("memoryBytes")),
                    bytes(n.path("lendable").path("memoryBytes")), bytes(n.path("allocated").path("memoryBytes")),
                    n.path("tasks").asText(), Output.text(n.get("lastReportAt")));
        }
        t.print(out);
        for (JsonNode n : r.path("nodes")) {
            if (!n.path("admitting").asBoolean(true)) {
                out.println(n.path("name").asText() + " is not admitting: " + n.path("admissionReason").asText("(no reason given)"));
            }
        }
        return 0;
    }

    private static String num(JsonNode n) {
        return String.format(Locale.ROOT, "%.2f", n.asDouble());
    }

    private static String bytes(JsonNode n) {
        return new Bytes(Math.max(0, n.asLong())).human();
    }
}
