package dev.weft.cli;

import dev.weft.config.ConfigError;
import dev.weft.config.ConfigLoader;
import dev.weft.config.LoadResult;
import dev.weft.config.MeshConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code weft validate FILE|DIR}: the control plane's checks, offline. */
@Command(name = "validate", description = {
        "Check a YAML file, or every *.yaml/*.yml in a directory, with the same rules the control plane applies.",
        "Prints each problem on its own line (file:line: resource: field: message) and exits 1 when there is one."})
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE|DIR", description = "a YAML file or a directory of them")
    Path target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.exists(target)) {
            err.println("weft validate: " + target + ": no such file or directory");
            return 2;
        }
        LoadResult result = ConfigLoader.load(target);
        if (!result.ok()) {
            for (ConfigError error : result.errors()) {
                err.println(error);
            }
            err.printf("%s: invalid (%d %s)%n", target, result.errors().size(), result.errors().size() == 1 ? "error" : "errors");
            err.flush();
            return 1;
        }
        MeshConfig config = result.config();
        out.printf("%s: OK (%d VirtualService, %d DestinationRule, %d ServiceEntry, %d WorkloadEntry)%n", target,
                config.virtualServices().size(), config.destinationRules().size(), config.serviceEntries().size(),
                config.workloadEntries().size());
        out.flush();
        return 0;
    }
}
