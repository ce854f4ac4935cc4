package dev.glean.cli.commands;

import dev.glean.agent.AgentSettings;
import dev.glean.cli.CliException;
import dev.glean.cli.config.ConfigFile;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", description = "Run the node agent: readings, containers, the local guard.")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--controller", paramLabel = "URL[,URL...]", split = ",")
    List<String> controllers;

    @Option(names = "--guard", paramLabel = "MODE", description = "max-harvest, balanced (default) or strict")
    String guard;

    @Option(names = "--config", paramLabel = "FILE")
    Path config;

    @Option(names = "--node", paramLabel = "NAME", description = "this node's name (default: the host name)")
    String node;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "default /var/lib/glean/agent")
    Path stateDir;

    @Override
    public Integer call() {
        ConfigFile cfg = ConfigFile.load(config);
        List<URI> urls = new ArrayList<>();
        if (controllers != null) {
            for (String c : controllers) {
                try {
                    URI u = URI.create(c.trim());
                    if (u.getScheme() == null || u.getHost() == null) {
                        throw new IllegalArgumentException();
                    }
                    urls.add(u);
                } catch (IllegalArgumentException e) {
                    throw new CliException(CliException.USAGE, "--controller must be URLs like http://host:7070: '" + c + "'");
                }
            }
        }
        AgentSettings as = cfg.agentSettings(node, urls, guard, stateDir);
        if (as.controllers().isEmpty()) {
            throw new CliException(CliException.USAGE, "--controller URL is required (or agent.controller in the config file)");
        }
        // The memory reserve is the controller's setting (controller.memoryReserve): the guard evicts below the
        // reserve admission keeps free, so one config file serves both.
        NodeProcess.RunningAgent agent = NodeProcess.agent(as, cfg.cgroupParent(), cfg.ownCpuIdle(), cfg.controllerSettings(null).capacity(), System.err,
                true);
        System.out.println("glean agent for node " + as.node() + " -> " + as.controllers() + " (guard " + as.guard().text() + ")"
                + (agent.listener() != null ? ", metrics on http://" + as.metrics() + "/metrics" : ""));
        System.out.flush();
        NodeProcess.awaitShutdown(agent::close);
        return 0;
    }
}
