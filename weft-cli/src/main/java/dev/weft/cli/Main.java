package dev.weft.cli;

import dev.weft.cli.launch.ParentWatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weft} command. */
@Command(name = "weft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Weft service mesh: control plane, sidecar proxy, config validation and a local demo.",
        subcommands = {
                ControlPlaneCommand.class,
                ProxyCommand.class,
                TokenCommand.class,
                ValidateCommand.class,
                DemoCommand.class,
                DemoServiceCommand.class,
                VersionCommand.class,
                AotTrainCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        ParentWatch.installIfRequested();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and for {@link #main}). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setExecutionExceptionHandler(Main::reportFailure).execute(args);
    }

    /**
     * A command that fails at run time (a port in use, an unreadable folder) gets one readable line per cause,
     * not a stack trace; {@code WEFT_DEBUG=1} shows the trace too.
     */
    private static int reportFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        if (e instanceof IllegalArgumentException) {
            commandLine.getErr().println("weft " + commandLine.getCommandName() + ": " + e.getMessage());
            commandLine.usage(commandLine.getErr());
            return 2;
        }
        StringBuilder message = new StringBuilder("weft " + commandLine.getCommandName() + " failed: " + e);
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            message.append("\n  caused by: ").append(cause);
        }
        commandLine.getErr().println(message);
        if (System.getenv("WEFT_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
        }
        return 1;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }
}
