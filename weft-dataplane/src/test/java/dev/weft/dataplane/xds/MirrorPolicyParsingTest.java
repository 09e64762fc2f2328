package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.dataplane.mirror.MirrorPolicy;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

/** A route's request_mirror_policies: what is applied, and what is NACKed instead of ignored. */
class MirrorPolicyParsingTest {
    private static Route withMirror(RequestMirrorPolicy m) {
        Route.Builder r = RouteConfigurationParserTest.base();
        return r.setRoute(r.getRoute().toBuilder().addRequestMirrorPolicies(m)).build();
    }

    @Test
    void clusterAndFractionAreParsed() throws Exception {
        var table = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(withMirror(
                RequestMirrorPolicy.newBuilder().setCluster("shadow")
                        .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(
                                FractionalPercent.newBuilder().setNumerator(25)
                                        .setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
                        .build())));
        assertThat(table.virtualHosts().getFirst().routes().getFirst().mirrors())
                .containsExactly(new MirrorPolicy("shadow", 250_000, true));
        var all = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(withMirror(
                RequestMirrorPolicy.newBuilder().setCluster("shadow").setDisableShadowHostSuffixAppend(true).build())));
        assertThat(all.virtualHosts().getFirst().routes().getFirst().mirrors())
                .containsExactly(new MirrorPolicy("shadow", MirrorPolicy.MILLION, false));
    }

    @Test
    void clusterHeaderIsRejected() {
        assertThatThrownBy(() -> RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(withMirror(
                RequestMirrorPolicy.newBuilder().setClusterHeader("x-mirror").build()))))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("request_mirror_policies[0]");
    }

    @Test
    void shadowHostIsSuffixedBeforeThePort() {
        assertThat(MirrorPolicy.shadowHost("ratings:9080")).isEqualTo("ratings-shadow:9080");
        assertThat(MirrorPolicy.shadowHost("ratings.default.svc")).isEqualTo("ratings.default.svc-shadow");
        assertThat(MirrorPolicy.shadowHost("[::1]:80")).isEqualTo("[::1]-shadow:80");
    }
}
