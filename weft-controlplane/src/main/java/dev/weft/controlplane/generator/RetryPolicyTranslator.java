package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.config.model.HttpRetry;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Istio {@code HTTPRetry} → Envoy {@code RetryPolicy}, as Istio translates it: a route without {@code retries} gets
 * Istio's default policy (2 retries on {@code connect-failure,refused-stream,unavailable,cancelled} and 503), a
 * policy with {@code attempts} 0 (or none) disables retries, and otherwise the default is overridden field by field:
 * {@code attempts} is {@code num_retries}, numeric {@code retryOn} entries become {@code retriable_status_codes}
 * (adding {@code retriable-status-codes}), {@code perTryTimeout} is {@code per_try_timeout}. Retries prefer hosts not
 * tried yet ({@code previous_hosts}, 5 re-picks) unless the route hashes requests to a host (consistent hashing),
 * where a retry stays on its host.
 */
final class RetryPolicyTranslator {
    /** Istio's retryOn when the VirtualService gives none. */
    static final String ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,"
            + "retriable-status-codes";
    static final int ISTIO_DEFAULT_RETRIABLE_STATUS = 503;
    static final int ISTIO_DEFAULT_RETRIES = 2;
    static final int HOST_SELECTION_RETRY_MAX_ATTEMPTS = 5;
    static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

    private RetryPolicyTranslator() {}

    /**
     * The Envoy policy for a route's {@code retries} ({@code null}: the route has none, so Istio's default), or null
     * when the VirtualService disables retries. {@code hashPolicy}: the route hashes requests to hosts.
     */
    static RetryPolicy translate(HttpRetry retries, boolean hashPolicy) {
        if (retries != null && (retries.attempts() == null || retries.attempts() <= 0)) {
            return null;
        }
        RetryPolicy.Builder b = RetryPolicy.newBuilder()
                .setNumRetries(UInt32Value.of(retries == null ? ISTIO_DEFAULT_RETRIES : retries.attempts()));
        Set<String> conditions = new LinkedHashSet<>();
        List<Integer> codes = new ArrayList<>();
        String retryOn = retries == null || retries.retryOn() == null || retries.retryOn().isBlank() ? null
                : retries.retryOn();
        if (retryOn == null) {
            conditions.addAll(List.of(ISTIO_DEFAULT_RETRY_ON.split(",")));
            codes.add(ISTIO_DEFAULT_RETRIABLE_STATUS);
        } else {
            for (String part : retryOn.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                if (p.chars().allMatch(Character::isDigit)) {
                    codes.add(Integer.parseInt(p));
                    conditions.add("retriable-status-codes");
                } else {
                    conditions.add(p);
                }
            }
        }
        b.setRetryOn(String.join(",", conditions)).addAllRetriableStatusCodes(codes);
        if (retries != null && retries.perTryTimeout() != null && !retries.perTryTimeout().isZero()) {
            b.setPerTryTimeout(Durations.fromNanos(retries.perTryTimeout().toNanos()));
        }
        if (!hashPolicy) {
            b.addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName(PREVIOUS_HOSTS)
                    .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())));
        }
        b.setHostSelectionRetryMaxAttempts(HOST_SELECTION_RETRY_MAX_ATTEMPTS);
        return b.build();
    }
}
