package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** RequestAuthentication → jwt_authn before the RBAC filters on the inbound listener, against a golden file. */
class RequestAuthenticationGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    @Test
    void ratingsInboundVerifiesJwtsBeforeRbac() throws Exception {
        var proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("jwt", proxies);
        ProxyNode ratings = proxies.stream().filter(p -> p.labels().get("app").equals("ratings")).findFirst().orElseThrow();
        List<HttpFilter> filters = inboundFilters(context, ratings);
        assertThat(filters).extracting(HttpFilter::getName).containsExactly(RequestAuthenticationTranslator.FILTER,
                AuthorizationPolicyTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        JwtAuthentication jwt = filters.getFirst().getTypedConfig().unpack(JwtAuthentication.class);
        // sorted by issuer: accounts (from the file) is origins-0, and got its keys inline
        assertThat(jwt.getProvidersMap().get("origins-0").getIssuer()).isEqualTo("https://accounts.example");
        assertThat(jwt.getProvidersMap().get("origins-0").getLocalJwks().getInlineString()).contains("golden-rsa");
        StringBuilder json = new StringBuilder();
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                .add(JwtAuthentication.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor()).build());
        for (HttpFilter f : filters) {
            json.append(printer.print(f)).append('\n');
        }
        GoldenFiles.assertMatches("jwt-ratings-inbound.json", json.toString());

        // details is not selected: no jwt_authn filter, no RBAC
        ProxyNode details = proxies.stream().filter(p -> p.labels().get("app").equals("details")).findFirst().orElseThrow();
        assertThat(inboundFilters(context, details)).extracting(HttpFilter::getName)
                .containsExactly(ListenerGenerator.ROUTER_FILTER);
    }

    private static List<HttpFilter> inboundFilters(PushContext context, ProxyNode proxy) throws Exception {
        Map<String, com.google.protobuf.Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context, proxy);
        Listener inbound = (Listener) listeners.get(ListenerGenerator.INBOUND);
        Any hcm = inbound.getFilterChains(0).getFilters(0).getTypedConfig();
        return hcm.unpack(HttpConnectionManager.class).getHttpFiltersList();
    }
}
