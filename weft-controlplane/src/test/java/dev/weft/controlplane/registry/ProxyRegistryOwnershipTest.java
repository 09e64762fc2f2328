package dev.weft.controlplane.registry;

import dev.weft.controlplane.proxy.ProxyNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/** A node id belongs to the identity that registered it: nobody else takes over its endpoint. */
class ProxyRegistryOwnershipTest {
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ProxyRegistry registry = new ProxyRegistry(Duration.ofMinutes(1), timers, () -> { });

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    /** The same node id (same address, service, port), registered as {@code serviceAccount} ("" = unauthenticated). */
    private static ProxyNode node(String serviceAccount, String address) {
        return new ProxyNode("sidecar~10.0.0.5~ledger-15006.default", "sidecar", "ledger", "default", serviceAccount,
                Map.of("app", "ledger"), address, 9080, "http", 9080, 15006, 0, List.of());
    }

    @Test
    void anotherIdentityCannotTakeOverARegisteredNodeId() {
        assertThat(registry.connected(1, node("ledger", "10.0.0.5"))).isNull();
        assertThat(registry.connected(2, node("impostor", "10.0.0.66")))
                .isEqualTo("node id sidecar~10.0.0.5~ledger-15006.default is registered by ns/default/sa/ledger; "
                        + "ns/default/sa/impostor cannot take it over");
        assertThat(registry.connected(3, node("", "10.0.0.66"))).contains("an unauthenticated stream cannot take it over");
        // still held after the proxy disconnected (its grace period runs)
        registry.disconnected(1, "sidecar~10.0.0.5~ledger-15006.default");
        assertThat(registry.connected(4, node("impostor", "10.0.0.66"))).isNotNull();
        assertThat(registry.registered()).extracting(ProxyNode::address).containsExactly("10.0.0.5");
        // the same identity reconnects
        assertThat(registry.connected(5, node("ledger", "10.0.0.5"))).isNull();
    }

    @Test
    void anAuthenticatedStreamReplacesAnUnauthenticatedRegistration() {
        assertThat(registry.connected(1, node("", "10.0.0.66"))).isNull();
        assertThat(registry.connected(2, node("", "10.0.0.67"))).isNull();
        assertThat(registry.connected(3, node("ledger", "10.0.0.5"))).isNull();
        assertThat(registry.registered()).extracting(ProxyNode::serviceAccount).containsExactly("ledger");
        assertThat(registry.connected(4, node("", "10.0.0.66"))).isNotNull();
    }
}
