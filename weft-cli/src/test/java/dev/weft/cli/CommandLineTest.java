package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.ProxyOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {

    record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(args);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommand() {
        Result result = run("--help");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("controlplane", "proxy", "validate", "demo", "demo-service", "version");
    }

    @Test
    void aCommandNamedFirstHasTheSameUsageAsUnderHelp() {
        // a command named first is registered alone (Main.commandLine); its usage must not change
        Result viaHelp = run("help", "proxy");
        assertThat(viaHelp.exitCode()).isZero();
        assertThat(viaHelp.out()).startsWith("Usage: weft proxy").contains("--control-plane=HOST:PORT", "--token-file");
        Result direct = run("proxy", "--help"); // proxy has no --help of its own: a usage error with the usage
        assertThat(direct.exitCode()).isEqualTo(2);
        assertThat(direct.err()).contains(viaHelp.out());
        assertThat(run("--version").exitCode()).isZero();
    }

    @Test
    void unknownCommandOrMissingFlagIsAUsageError() {
        assertThat(run("frobnicate").exitCode()).isEqualTo(2);
        Result missing = run("proxy", "--service", "reviews");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--control-plane", "--app-port");
    }

    @Test
    void proxyFlagsBecomeProxyOptions() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--control-plane", "127.0.0.1:15010", "--service", "reviews",
                "--labels", "app=reviews,version=v2", "--app-port", "9081", "--upstream", "ratings:9080=16001",
                "details=16002");
        ProxyOptions options = command.toOptions();
        assertThat(options.labels()).isEqualTo(Map.of("app", "reviews", "version", "v2"));
        assertThat(options.servicePort()).as("defaults to the app port").isEqualTo(9081);
        assertThat(options.namespace()).isEqualTo("default");
        assertThat(options.serviceAccount()).isEqualTo("default");
        assertThat(options.inboundPort()).isEqualTo(15006);
        assertThat(options.outboundPort()).isEqualTo(15001);
        assertThat(options.adminPort()).isEqualTo(15000);
        assertThat(options.address()).isEqualTo("127.0.0.1");
        assertThat(options.upstreams()).containsExactly("ratings:9080=16001", "details=16002");
    }

    @Test
    void malformedUpstreamIsRejectedWithAnExample() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--control-plane", "cp:15010", "--service", "a", "--app-port", "1",
                "--upstream", "ratings=abc");
        assertThatThrownBy(command::toOptions).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("ratings=abc").hasMessageContaining("SERVICE[:PORT]=LOCALPORT");
    }

    @Test
    void validatePrintsOneLinePerErrorAndExitsOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews]
                  htp: []
                """);
        Result result = run("validate", dir.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines()).anySatisfy(line ->
                assertThat(line).contains("bad.yaml:7", "VirtualService", "reviews", "spec.htp"));
    }

    @Test
    void validateSaysOkAndExitsZero(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ok.yaml"), """
                apiVersion: networking.istio.io/v1beta1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                """);
        Result result = run("validate", dir.resolve("ok.yaml").toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("OK", "1 DestinationRule");
    }
}
