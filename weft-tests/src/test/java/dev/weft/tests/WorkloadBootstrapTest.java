package dev.weft.tests;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneOptions;
import dev.weft.controlplane.ca.CaOptions;
import dev.weft.proxy.tls.WorkloadIdentity;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The proxy side of bootstrap against a real control plane over HTTP (in one JVM, real sockets): a good token gives
 * the identity it names and nothing else; forged, foreign and missing tokens fail with the CA's reason.
 */
class WorkloadBootstrapTest {
    @TempDir
    static Path dir;
    private static ControlPlane cp;
    private static URI ca;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        cp = ControlPlane.start(new ControlPlaneOptions(dir.resolve("config"), 0, 0, "127.0.0.1", dir.resolve("data"),
                Duration.ofMillis(50), Duration.ofSeconds(1)), new CaOptions("cluster.local", Duration.ofMinutes(10), null, null, null));
        ca = URI.create("http://127.0.0.1:" + cp.httpPort());
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    private static Path token(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void aTokenYieldsExactlyItsOwnIdentity() throws Exception {
        String token = cp.identity().tokens().mint("shop", "cart", Duration.ofMinutes(5));
        try (WorkloadIdentity identity = WorkloadIdentity.bootstrap(ca, token("good.token", token + "\n"))) {
            assertThat(identity.spiffeId()).isEqualTo("spiffe://cluster.local/ns/shop/sa/cart");
            assertThat(identity.current().certificate().trustBundle()).containsExactlyElementsOf(cp.identity().ca().trustBundle());
        }
    }

    @Test
    void weftTokenCreatePrintsATokenTheProxyCanRedeem() throws Exception {
        Path out = dir.resolve("token-stdout.txt");
        Path err = dir.resolve("token-stderr.txt");
        int exit = weft(out, err, "token", "create", "--control-plane-url", ca.toString(), "--namespace", "shop",
                "--service-account", "checkout", "--ttl", "5m");
        assertThat(exit).as(Files.readString(err)).isZero();
        try (WorkloadIdentity identity = WorkloadIdentity.bootstrap(ca, out)) {
            assertThat(identity.spiffeId()).isEqualTo("spiffe://cluster.local/ns/shop/sa/checkout");
        }
        int refused = weft(out, err, "token", "create", "--control-plane-url", ca.toString(), "--namespace", "Shop_1",
                "--service-account", "checkout");
        assertThat(refused).isEqualTo(1);
        assertThat(Files.readString(err)).contains("token create refused (400)").contains("namespace 'Shop_1' is not a valid name");
    }

    private static int weft(Path out, Path err, String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(dev.weft.cli.launch.WeftLauncher.javaBinary(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                dev.weft.tests.harness.ProcessHarness.testClasspath(), "dev.weft.cli.Main"));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("weft exits").isTrue();
        return p.exitValue();
    }

    @Test
    void aProxyWhoseFlagsNameAnotherIdentityThanItsTokenDoesNotStart() throws Exception {
        String token = cp.identity().tokens().mint("shop", "cart", Duration.ofMinutes(5));
        var options = new dev.weft.proxy.ProxyOptions("127.0.0.1:1", "cart", "shop", java.util.Map.of(), "payments", 1, 1,
                "http", 0, 0, 0, "127.0.0.1", java.util.List.of(), dir.resolve("proxy-data"));
        assertThatThrownBy(() -> dev.weft.proxy.Proxy.start(options, null,
                new dev.weft.proxy.tls.IdentityOptions(ca, token("cart.token", token))))
                .hasMessageContaining("is for spiffe://cluster.local/ns/shop/sa/cart")
                .hasMessageContaining("say ns/shop/sa/payments");
    }

    @Test
    void forgedForeignEmptyAndMissingTokensFailWithTheReason() throws Exception {
        String token = cp.identity().tokens().mint("shop", "cart", Duration.ofMinutes(5));
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        assertThatThrownBy(() -> WorkloadIdentity.bootstrap(ca, token("forged.token", forged)))
                .hasMessageContaining("refused the certificate request (401)")
                .hasMessageContaining("signature is invalid");
        assertThatThrownBy(() -> WorkloadIdentity.bootstrap(ca, token("junk.token", "not-a-token")))
                .hasMessageContaining("malformed join token");
        assertThatThrownBy(() -> WorkloadIdentity.bootstrap(ca, token("empty.token", "  \n")))
                .hasMessageContaining("--token-file").hasMessageContaining("empty");
        assertThatThrownBy(() -> WorkloadIdentity.bootstrap(ca, dir.resolve("nope.token")))
                .hasMessageContaining("--token-file").hasMessageContaining("no such file");
    }
}
