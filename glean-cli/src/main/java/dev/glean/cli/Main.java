package dev.glean.cli;

import dev.glean.cli.commands.AgentCommand;
import dev.glean.cli.commands.CancelCommand;
import dev.glean.cli.commands.ControllerCommand;
import dev.glean.cli.commands.DemoCommand;
import dev.glean.cli.commands.DemoIncumbentCommand;
import dev.glean.cli.commands.DoctorCommand;
import dev.glean.cli.commands.EventsCommand;
import dev.glean.cli.commands.JobActionCommands;
import dev.glean.cli.commands.JobCommand;
import dev.glean.cli.commands.JobsCommand;
import dev.glean.cli.commands.LogsCommand;
import dev.glean.cli.commands.NodeCommand;
import dev.glean.cli.commands.NodesCommand;
import dev.glean.cli.commands.SimCommand;
import dev.glean.cli.commands.SubmitCommand;
import dev.glean.cli.commands.UpCommand;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one `glean` command. Errors end as one line on stderr with the exit codes of the Interfaces. */
@Command(name = "glean", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lends the idle capacity of servers to secondary work without the incumbents noticing.",
        subcommands = {UpCommand.class, ControllerCommand.class, AgentCommand.class, SubmitCommand.class, JobsCommand.class,
                JobCommand.class, LogsCommand.class, CancelCommand.class, JobActionCommands.Hold.class,
                JobActionCommands.Release.class, JobActionCommands.Requeue.class, NodesCommand.class, NodeCommand.class,
                EventsCommand.class, DemoCommand.class, SimCommand.class, DoctorCommand.class, DemoIncumbentCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see 'glean --help')");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs glean in this JVM; returns the exit code (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            String cmd = ex.getCommandLine().getCommandName();
            err.println("glean: " + ex.getMessage() + " (see 'glean " + ("glean".equals(cmd) ? "" : cmd + " ") + "--help')");
            return CliException.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof CliException ce) {
                err.println("glean: " + ce.getMessage());
                return ce.exitCode();
            }
            if (ex instanceof GleanException ge) {
                err.println("glean: " + ge.getMessage());
                return ge.code() == ErrorCode.INVALID_ARGUMENT || ge.code() == ErrorCode.CONFIG_INVALID ? CliException.USAGE : 1;
            }
            err.println("glean: internal error: " + ex);
            return 1;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"glean " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
