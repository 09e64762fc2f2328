package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.launch.WeftLauncher;
import dev.weft.tests.harness.ProcessHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code weft validate}, run as users run it: a separate process, judged by exit code and output. */
class ValidateCommandTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run weft(Path workDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(WeftLauncher.javaBinary(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", ProcessHarness.testClasspath(), "dev.weft.cli.Main"));
        command.addAll(List.of(args));
        Path out = workDir.resolve("stdout.txt");
        Path err = workDir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("weft validate did not finish in 60 s");
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void validConfigExitsZeroWithASummary() throws Exception {
        Path dir = ProcessHarness.workDir("validate-ok");
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("subsets.yaml"), RoutingConfigs.REVIEWS_SUBSETS);
        Files.writeString(config.resolve("routes.yml"), RoutingConfigs.INITIAL_ROUTES);

        Run run = weft(dir, "validate", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("OK", "1 VirtualService", "1 DestinationRule");
    }

    @Test
    void unknownFieldExitsOneNamingFileLineResourceAndField() throws Exception {
        Path dir = ProcessHarness.workDir("validate-unknown-field");
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("subsets.yaml"), RoutingConfigs.REVIEWS_SUBSETS);
        Files.writeString(config.resolve("routes.yaml"), RoutingConfigs.INITIAL_ROUTES.replace("name: jason", "nmae: jason"));

        Run run = weft(dir, "validate", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr().lines().toList()).anySatisfy(line -> assertThat(line)
                .containsPattern("routes\\.yaml:\\d+: VirtualService default/reviews: spec\\.http\\[0\\]\\.nmae: "));
        assertThat(run.stdout()).doesNotContain("OK");
    }

    @Test
    void unknownSubsetExitsOneNamingTheRoute() throws Exception {
        Path dir = ProcessHarness.workDir("validate-unknown-subset");
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("subsets.yaml"), RoutingConfigs.REVIEWS_SUBSETS);
        Files.writeString(config.resolve("routes.yaml"), RoutingConfigs.reviewsRoutes(80, "v9", 20));

        Run run = weft(dir, "validate", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr().lines().toList()).anySatisfy(line -> assertThat(line)
                .contains("routes.yaml:", "VirtualService default/reviews", "spec.http[2].route[1]", "v9"));
    }

    @Test
    void missingPathIsAnError() throws Exception {
        Path dir = ProcessHarness.workDir("validate-missing");
        Run run = weft(dir, "validate", dir.resolve("nope").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("nope", "no such file");
    }
}
