package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.route;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.authz.RbacFilter;
import dev.weft.dataplane.authz.RbacMatcher;
import dev.weft.dataplane.authz.RbacPolicy;
import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.StringMatcher;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sidecar's RBAC filter through real sockets: a DENY on /admin before an ALLOW of port 9080 (the workload port
 * read from the inbound cluster name, not the listener's own port) for GET; denied requests get 403
 * {@code RBAC: access denied} with flag RBAC; dotted and encoded spellings are denied; an unparsable path is 400.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AuthorizationDataPathTest {
    private TestBackend app;
    private ProxyRuntime proxy;

    @BeforeEach
    void start() throws IOException {
        app = new TestBackend("app");
        proxy = new ProxyRuntime(new DefaultClusterManager());
        String cluster = "inbound|9080||";
        RouteTable table = new RouteTable("inbound", List.of(host("inbound", List.of("*"),
                route("default", prefix("/"), forward(cluster)))));
        RbacFilter deny = new RbacFilter(RbacFilter.Action.DENY, List.of(new RbacPolicy("deny-admin",
                List.of(new RbacMatcher.UrlPath(new StringMatcher.Prefix("/admin", false))), List.of(new RbacMatcher.Any()))));
        RbacFilter allow = new RbacFilter(RbacFilter.Action.ALLOW, List.of(new RbacPolicy("get-on-9080",
                List.of(new RbacMatcher.And(List.of(new RbacMatcher.DestinationPort(9080),
                        new RbacMatcher.Header(":method", new StringMatcher.Exact("GET", false), false)))),
                List.of(new RbacMatcher.Any()))));
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig("inbound", null, table,
                List.of("envoy.filters.http.rbac", "envoy.filters.http.router"), true, false, 0, List.of(deny, allow));
        proxy.apply(new ConfigSnapshot(Map.of(), Map.of("inbound", new ListenerConfig("inbound", "127.0.0.1", 0, hcm)),
                Map.of(), Map.of(cluster, staticCluster(cluster, app.port())), Map.of()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        app.close();
    }

    @Test
    void allowedDeniedAndBypassAttempts() throws IOException {
        try (RawHttpClient c = new RawHttpClient(proxy.listenerPort("inbound"))) {
            assertThat(c.get("/charge", "Host: payments").status()).isEqualTo(200);
            RawHttpClient.Response denied = c.get("/admin/users", "Host: payments");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.text()).isEqualTo("RBAC: access denied");
            assertThat(denied.header("x-weft-response-flags")).isEqualTo("RBAC");
            for (String path : List.of("/charge/../admin", "//admin", "/%61dmin/x", "/%2Fadmin", "/./admin")) {
                assertThat(c.get(path, "Host: payments").status()).as(path).isEqualTo(403);
            }
        }
        try (RawHttpClient c = new RawHttpClient(proxy.listenerPort("inbound"))) {
            assertThat(c.get("/bad%zzescape", "Host: payments").status()).isEqualTo(400);
        }
    }
}
