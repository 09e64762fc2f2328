package dev.weft.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the native programs the harness compares against or drives. */
final class Executables {
    private Executables() {}

    /** The absolute path of {@code name} on PATH (or /usr/sbin, where Debian puts servers), or an error saying how to install it. */
    static String require(String name, String installHint) throws TargetUnavailableException {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new TargetUnavailableException(name + " is not installed (" + installHint + ")");
    }
}
