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
                ValidateCommand.class,
                DemoCommand.class,
                DemoServiceCommand.class,
                VersionCommand.class,
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
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }
}
