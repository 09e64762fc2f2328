package dev.weft.controlplane.generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares output with src/test/resources/golden/NAME. Run with {@code -Dweft.golden.update=true} (or
 * {@code WEFT_GOLDEN_UPDATE=1}) to rewrite the files after an intended change, then review the diff.
 */
final class GoldenFiles {
    private static final Path DIR = Path.of("src", "test", "resources", "golden");

    private GoldenFiles() {}

    static boolean updating() {
        return Boolean.getBoolean("weft.golden.update") || "1".equals(System.getenv("WEFT_GOLDEN_UPDATE"));
    }

    static void assertMatches(String name, String actual) throws IOException {
        Path file = DIR.resolve(name);
        if (updating()) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual);
            return;
        }
        assertThat(file).as("golden file %s (regenerate with -Dweft.golden.update=true)", file).exists();
        assertThat(actual).as("generated output differs from %s (regenerate with -Dweft.golden.update=true)", file)
                .isEqualTo(Files.readString(file));
    }
}
