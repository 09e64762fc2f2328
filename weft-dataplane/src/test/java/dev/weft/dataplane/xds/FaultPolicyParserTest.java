package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.weft.dataplane.fault.FaultPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

/** The fault filter's per-route HTTPFault: what is applied, and what is NACKed instead of ignored. */
class FaultPolicyParserTest {
    private static final Rejector REJECT = new Rejector("Test", "t");

    private static FractionalPercent percent(int numerator, FractionalPercent.DenominatorType d) {
        return FractionalPercent.newBuilder().setNumerator(numerator).setDenominator(d).build();
    }

    private static HTTPFault.Builder fault() {
        return HTTPFault.newBuilder()
                .setDelay(FaultDelay.newBuilder().setFixedDelay(Durations.fromMillis(200))
                        .setPercentage(percent(125_000, FractionalPercent.DenominatorType.MILLION)))
                .setAbort(FaultAbort.newBuilder().setHttpStatus(503)
                        .setPercentage(percent(30, FractionalPercent.DenominatorType.HUNDRED)));
    }

    @Test
    void delayAndAbortAreParsedFromTheRoutesTypedPerFilterConfig() throws Exception {
        Route route = RouteConfigurationParserTest.base()
                .putTypedPerFilterConfig(FaultPolicy.FILTER, Any.pack(fault().build())).build();
        var table = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(route));
        FaultPolicy p = table.virtualHosts().getFirst().routes().getFirst().fault();
        assertThat(p.delay()).isEqualTo(new FaultPolicy.Delay(200, 125_000));
        assertThat(p.abort()).isEqualTo(new FaultPolicy.Abort(503, -1, 300_000));
    }

    @Test
    void aRouteWithoutFaultHasNone() throws Exception {
        var table = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(
                RouteConfigurationParserTest.base().build()));
        assertThat(table.virtualHosts().getFirst().routes().getFirst().fault()).isNull();
    }

    @Test
    void grpcAbortsKeepTheirCodeAndAnHttpStatusForPlainClients() throws Exception {
        FaultPolicy p = FaultPolicyParser.parse(Any.pack(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder()
                .setGrpcStatus(14).setPercentage(percent(10, FractionalPercent.DenominatorType.TEN_THOUSAND)))
                .build()), REJECT, "f");
        assertThat(p.delay()).isNull();
        assertThat(p.abort()).isEqualTo(new FaultPolicy.Abort(503, 14, 1_000));
    }

    @Test
    void percentagesAboveTheDenominatorMeanEveryRequest() throws Exception {
        FaultPolicy p = FaultPolicyParser.parse(Any.pack(fault().setAbort(FaultAbort.newBuilder().setHttpStatus(500)
                .setPercentage(percent(250, FractionalPercent.DenominatorType.HUNDRED))).build()), REJECT, "f");
        assertThat(p.abort().partsPerMillion()).isEqualTo(FaultPolicy.MILLION);
        assertThat(p.abort().draw()).isTrue();
    }

    @Test
    void whatWeftCannotApplyIsRejected() {
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(fault().setDelay(FaultDelay.newBuilder()
                .setHeaderDelay(FaultDelay.HeaderDelay.getDefaultInstance())).build()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("f.delay")
                .hasMessageContaining("fixed_delay");
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(fault().setAbort(FaultAbort.newBuilder()
                .setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())).build()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("f.abort");
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(fault().setMaxActiveFaults(
                com.google.protobuf.UInt32Value.of(3)).build()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("f.max_active_faults");
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(fault().setAbort(FaultAbort.newBuilder()
                .setHttpStatus(99)).build()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("f.abort.http_status");
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(fault().setDelay(FaultDelay.newBuilder()
                .setFixedDelay(Durations.fromMillis(0))).build()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("f.delay.fixed_delay");
        assertThatThrownBy(() -> FaultPolicyParser.parse(Any.pack(FaultDelay.getDefaultInstance()), REJECT, "f"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("expected");
    }

    @Test
    void aListenerWideFaultConfigIsRejected() throws Exception {
        FaultPolicyParser.checkListenerLevel(Any.pack(HTTPFault.getDefaultInstance()), REJECT, "l");
        assertThatThrownBy(() -> FaultPolicyParser.checkListenerLevel(Any.pack(fault().build()), REJECT, "l"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("per route");
    }

    @Test
    void drawsFollowThePercentage() {
        var abort = new FaultPolicy.Abort(503, -1, 300_000);
        int hits = 0;
        for (int i = 0; i < 100_000; i++) {
            hits += abort.draw() ? 1 : 0;
        }
        assertThat(hits).isBetween(29_000, 31_000); // 30% ± 1 point: ~7 standard deviations
        assertThat(new FaultPolicy.Abort(503, -1, 0).draw()).isFalse();
    }
}
