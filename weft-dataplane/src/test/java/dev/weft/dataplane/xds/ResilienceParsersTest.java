package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.outlier.OutlierDetectionConfig;
import dev.weft.dataplane.retry.RetryOn;
import dev.weft.dataplane.retry.RetryPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.v3.Percent;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** retry_policy and outlier_detection parsing: what is applied, and what is NACKed instead of ignored. */
class ResilienceParsersTest {
    private static final Rejector REJECT = new Rejector("Test", "t");

    private static io.envoyproxy.envoy.config.route.v3.RetryPolicy.Builder retry() {
        return io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                .setRetryOn("5xx,retriable-status-codes, connect-failure,unavailable,cancelled")
                .setHostSelectionRetryMaxAttempts(5)
                .setNumRetries(UInt32Value.of(3))
                .setPerTryTimeout(Durations.fromMillis(250))
                .addRetriableStatusCodes(429)
                .addRetryHostPredicate(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts")
                        .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())));
    }

    @Test
    void retryPolicyIsParsedFromTheRoute() throws Exception {
        Route route = RouteConfigurationParserTest.base()
                .setRoute(RouteConfigurationParserTest.base().getRoute().toBuilder().setRetryPolicy(retry()))
                .build();
        var table = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(route));
        RouteAction.Forward fwd = (RouteAction.Forward) table.virtualHosts().getFirst().routes().getFirst().action();
        RetryPolicy p = fwd.retryPolicy();
        assertThat(p.numRetries()).isEqualTo(3);
        assertThat(p.perTryTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(p.retryOn()).isEqualTo(Set.of(RetryOn.FIVE_XX, RetryOn.RETRIABLE_STATUS_CODES,
                RetryOn.CONNECT_FAILURE, RetryOn.UNAVAILABLE, RetryOn.CANCELLED));
        assertThat(p.retriableStatusCodes()).containsExactly(429);
        assertThat(p.otherHost()).isTrue();
        assertThat(p.hostSelectionRetryMaxAttempts()).isEqualTo(5);
        assertThat(p.retriesGrpcStatus(14)).as("UNAVAILABLE").isTrue();
        assertThat(p.retriesGrpcStatus(4)).as("DEADLINE_EXCEEDED").isFalse();
    }

    @Test
    void retryPolicyFieldsWeCannotHonourAreRejected() {
        assertThatThrownBy(() -> RetryPolicyParser.parse(retry().setRetryOn("5xx,sometimes").build(), REJECT, "r"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("r.retry_on")
                .hasMessageContaining("sometimes");
        assertThatThrownBy(() -> RetryPolicyParser.parse(retry().addRetryHostPredicate(
                io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.omit_canary_hosts")).build(), REJECT, "r"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("omit_canary_hosts");
        assertThatThrownBy(() -> RetryPolicyParser.parse(retry().addRetriableStatusCodes(700).build(), REJECT, "r"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("700");
    }

    @Test
    void outlierDetectionAsIstioEmitsIt() throws Exception {
        OutlierDetection od = OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0))
                .setConsecutive5Xx(UInt32Value.of(3)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                .setConsecutiveGatewayFailure(UInt32Value.of(2))
                .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                .setInterval(Durations.fromSeconds(2)).setBaseEjectionTime(Durations.fromSeconds(15))
                .setMaxEjectionPercent(UInt32Value.of(40))
                .build();
        OutlierDetectionConfig c = OutlierDetectionParser.parse(od, Cluster.CommonLbConfig.newBuilder()
                .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)).build(), REJECT);
        assertThat(c).isEqualTo(new OutlierDetectionConfig(3, 2, 0, false, Duration.ofSeconds(2),
                Duration.ofSeconds(15), Duration.ofSeconds(300), 40, 0));

        OutlierDetectionConfig defaults = OutlierDetectionParser.parse(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0)).build(), Cluster.CommonLbConfig.getDefaultInstance(),
                REJECT);
        assertThat(defaults.consecutive5xx()).as("Envoy's default").isEqualTo(5);
        assertThat(defaults.consecutiveGatewayFailure()).as("not enforced by default").isZero();
        assertThat(defaults.panicThresholdPercent()).isEqualTo(50);
    }

    @Test
    void unsupportedOutlierDetectorsAreRejected() {
        assertThatThrownBy(() -> OutlierDetectionParser.parse(OutlierDetection.getDefaultInstance(),
                Cluster.CommonLbConfig.getDefaultInstance(), REJECT))
                .as("success rate is enforced unless turned off").isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("enforcing_success_rate");
        assertThatThrownBy(() -> OutlierDetectionParser.parse(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0)).setEnforcingConsecutive5Xx(UInt32Value.of(50)).build(),
                Cluster.CommonLbConfig.getDefaultInstance(), REJECT))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("only 0 or 100");
    }
}
