package dev.glean.cli.commands;

import dev.glean.cli.config.ConfigFile;
import dev.glean.controller.Controller;
import dev.glean.controller.ControllerSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "controller", description = "Run the controller: store, scheduler, REST API.")
public final class ControllerCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR")
    Path data;

    @Option(names = "--db", paramLabel = "JDBC-URL")
    String db;

    @Option(names = "--port", paramLabel = "N")
    Integer port;

    @Option(names = "--config", paramLabel = "FILE")
    Path config;

    @Override
    public Integer call() throws Exception {
        if (data != null && db != null) {
            throw new dev.glean.cli.CliException(dev.glean.cli.CliException.USAGE, "give --data or --db, not both");
        }
        ConfigFile cfg = ConfigFile.load(config);
        ControllerSettings cs = cfg.controllerSettings(port);
        Path dataDir = cfg.dataDir(data).toAbsolutePath().normalize();
        Controller controller = NodeProcess.controller(cs, dataDir, cfg.db(db));
        System.out.println("glean controller on http://" + cs.bind() + ":" + controller.port()
                + (cs.bind().equals("127.0.0.1") ? " (loopback only, no auth)" : " (WARNING: no auth in this version)")
                + ", data " + (cfg.db(db) != null ? cfg.db(db) : dataDir.toString()));
        System.out.flush();
        NodeProcess.awaitShutdown(controller::close);
        return 0;
    }
}
