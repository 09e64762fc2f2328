package dev.weft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weft version}. */
@Command(name = "version", description = "Print Weft's version and the Java runtime it runs on.")
final class VersionCommand implements Callable<Integer> {

    static String version() {
        String fromJar = Main.class.getPackage().getImplementationVersion();
        return fromJar != null ? fromJar : "0.1.0-SNAPSHOT (development)";
    }

    @Override
    public Integer call() {
        for (String line : new Provider().getVersion()) {
            System.out.println(line);
        }
        return 0;
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{
                    "weft " + version(),
                    "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")",
            };
        }
    }
}
