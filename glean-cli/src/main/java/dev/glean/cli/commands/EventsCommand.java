package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "events", description = "The event log: every state change and why.")
public final class EventsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--job", paramLabel = "ID")
    String job;

    @Option(names = "--node", paramLabel = "N")
    String node;

    @Option(names = "--follow", description = "keep printing new events (server-sent events)")
    boolean follow;

    @Option(names = "-o", paramLabel = "FORMAT")
    String output;

    @Override
    public Integer call() throws IOException {
        Output.check(output);
        StringBuilder q = new StringBuilder("/api/v1/events?x=1");
        if (job != null) {
            q.append("&job=").append(URLEncoder.encode(Ids.check(job), StandardCharsets.UTF_8));
        }
        if (node != null) {
            q.append("&node=").append(URLEncoder.encode(node, StandardCharsets.UTF_8));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!follow) {
            JsonNode r = client.client().get(q.toString());
            if (Output.json(output)) {
                Output.print(out, r);
                return 0;
            }
            for (JsonNode e : r.path("events")) {
                out.println(line(e));
            }
            out.flush();
            return 0;
        }
        try (InputStream in = client.client().stream(q.toString(), "text/event-stream");
                BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String l;
            while ((l = br.readLine()) != null) {
                if (l.startsWith("data: ")) {
                    JsonNode e = WireJson.mapper().readTree(l.substring(6));
                    out.println(Output.json(output) ? e.toString() : line(e));
                    out.flush();
                }
            }
        } catch (IOException e) {
            throw new dev.glean.cli.CliException(dev.glean.cli.CliException.SERVER, "lost the connection to the server: " + e.getMessage());
        }
        return 0;
    }

    static String line(JsonNode e) {
        StringBuilder sb = new StringBuilder();
        sb.append(e.path("at").asText()).append("  ").append(e.path("type").asText());
        if (e.hasNonNull("job")) {
            sb.append("  job ").append(e.get("job").asText());
            if (e.hasNonNull("task")) {
                sb.append("[").append(e.get("task").asText()).append("]");
            }
        }
        if (e.hasNonNull("node")) {
            sb.append("  node ").append(e.get("node").asText());
        }
        String ch = change(e);
        if (!ch.equals("-")) {
            sb.append("  ").append(ch);
        }
        if (e.hasNonNull("reason")) {
            sb.append("  ").append(e.get("reason").asText());
        }
        return sb.toString();
    }

    static String change(JsonNode e) {
        if (!e.hasNonNull("to")) {
            return "-";
        }
        return (e.hasNonNull("from") ? e.get("from").asText() : "") + "->" + e.get("to").asText();
    }
}
