package dev.glean.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import java.io.PrintWriter;

/** Shared bits of the client commands' output. */
final class Output {
    private Output() {}

    static void check(String format) {
        if (format != null && !format.equals("json") && !format.equals("table")) {
            throw new CliException(CliException.USAGE, "-o must be json or table: '" + format + "'");
        }
    }

    static boolean json(String format) {
        return "json".equals(format);
    }

    static void print(PrintWriter out, JsonNode n) {
        try {
            out.println(WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new CliException(1, e.getMessage());
        }
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }

    static String tasks(JsonNode tasks) {
        int total = tasks.path("total").asInt();
        if (total <= 1) {
            return total == 1 ? "1" : "-";
        }
        int done = tasks.path("SUCCEEDED").asInt() + tasks.path("FAILED").asInt() + tasks.path("CANCELLED").asInt()
                + tasks.path("LOST").asInt();
        return done + "/" + total;
    }
}
