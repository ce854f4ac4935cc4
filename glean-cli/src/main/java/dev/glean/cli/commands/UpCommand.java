package dev.glean.cli.commands;

import dev.glean.agent.AgentSettings;
import dev.glean.cli.config.ConfigFile;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "up", description = "Controller and a local agent in one process, SQLite in the data directory.")
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", description = "data directory (default ./.glean)")
    Path data;

    @Option(names = "--port", paramLabel = "N", description = "port on 127.0.0.1 (default 7070)")
    Integer port;

    @Option(names = "--guard", paramLabel = "MODE", description = "max-harvest, balanced (default) or strict")
    String guard;

    @Option(names = "--config", paramLabel = "FILE")
    Path config;

    @Option(names = "--node", paramLabel = "NAME", description = "this node's name (default: the host name)")
    String node;

    @Override
    public Integer call() throws Exception {
        ConfigFile cfg = ConfigFile.load(config);
        Path dataDir = cfg.dataDir(data).toAbsolutePath().normalize();
        ControllerSettings cs = cfg.controllerSettings(port);
        if (!cs.bind().equals("127.0.0.1") && !cs.bind().equals("localhost")) {
            throw new dev.glean.cli.CliException(dev.glean.cli.CliException.USAGE,
                    "glean up serves on loopback only (no auth); use 'glean controller' to serve on " + cs.bind());
        }
        NodeProcess.requireRoot();
        Controller controller = NodeProcess.controller(cs, dataDir, cfg.db(null));
        URI self = URI.create("http://127.0.0.1:" + controller.port());
        AgentSettings as = cfg.agentSettings(node, List.of(self), guard, dataDir.resolve("agent"));
        NodeProcess.RunningAgent agent;
        try {
            // One process, one /metrics: the controller's serves the local agent's families too.
            agent = NodeProcess.agent(as, cfg.cgroupParent(), cfg.ownCpuIdle(), cs.capacity(), System.err, false);
            controller.addMetrics(agent.metrics());
        } catch (RuntimeException e) {
            controller.close();
            throw e;
        }
        System.out.println("glean up: controller on " + self + " (loopback only, no auth), agent for node " + as.node()
                + " (guard " + as.guard().text() + "), data in " + dataDir);
        System.out.flush();
        NodeProcess.awaitShutdown(() -> {
            agent.close();
            controller.close();
        });
        return 0;
    }
}
