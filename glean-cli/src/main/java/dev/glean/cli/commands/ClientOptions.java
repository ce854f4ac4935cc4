package dev.glean.cli.commands;

import dev.glean.cli.client.ApiClient;
import picocli.CommandLine.Option;

/** --server and --token of every client command (env GLEAN_SERVER, GLEAN_TOKEN). */
public final class ClientOptions {
    @Option(names = "--server", paramLabel = "URL", description = "controller URL (env GLEAN_SERVER, default http://127.0.0.1:7070)")
    String server;

    @Option(names = "--token", paramLabel = "T", description = "API token (env GLEAN_TOKEN)")
    String token;

    public ApiClient client() {
        String s = server != null ? server : envOr("GLEAN_SERVER", "http://127.0.0.1:7070");
        String t = token != null ? token : System.getenv("GLEAN_TOKEN");
        return new ApiClient(s, t);
    }

    private static String envOr(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? d : v;
    }
}
