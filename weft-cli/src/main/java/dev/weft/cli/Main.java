package dev.weft.cli;

import dev.weft.cli.launch.ParentWatch;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weft} command. */
@Command(name = "weft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Weft service mesh: control plane, sidecar proxy, config validation and a local demo.")
public final class Main implements Runnable {
    /** The commands, in the order {@code weft --help} lists them. */
    private static final List<String> COMMANDS = List.of("controlplane", "proxy", "token", "validate", "demo",
            "demo-service", "version", "aot-train", "help");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        ParentWatch.installIfRequested();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and for {@link #main}). */
    public static int run(String... args) {
        return commandLine(args).setExecutionExceptionHandler(Main::reportFailure).execute(args);
    }

    /**
     * The command line for {@code args}: when they start with a command's name, only that command is registered.
     * picocli builds a command's model by reflection over its class (and loads what its fields name), so a sidecar
     * ({@code weft proxy}) no longer does that for the other seven; {@code weft}, {@code weft --help},
     * {@code weft help <command>} and unknown names get them all.
     */
    static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        if (args.length > 0 && !args[0].equals("help") && COMMANDS.contains(args[0])) {
            commandLine.addSubcommand(command(args[0]));
        } else {
            for (String name : COMMANDS) {
                commandLine.addSubcommand(command(name));
            }
        }
        return commandLine;
    }

    // A switch, not a map of constructor references: a lambda made for a picocli class (whose Java 5 class files the
    // start-up cache leaves out) crashed the JVM writing the cache (JDK 25.0.3, archiveHeapWriter.cpp:757).
    private static Object command(String name) {
        return switch (name) {
            case "controlplane" -> new ControlPlaneCommand();
            case "proxy" -> new ProxyCommand();
            case "token" -> new TokenCommand();
            case "validate" -> new ValidateCommand();
            case "demo" -> new DemoCommand();
            case "demo-service" -> new DemoServiceCommand();
            case "version" -> new VersionCommand();
            case "aot-train" -> new AotTrainCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException(name);
        };
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
