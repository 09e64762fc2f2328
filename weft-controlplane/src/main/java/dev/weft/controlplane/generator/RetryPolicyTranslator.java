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
 * Istio {@code HTTPRetry} → Envoy {@code RetryPolicy}, as Istio translates it: {@code attempts} is
 * {@code num_retries} (0 disables retries), numeric {@code retryOn} entries become {@code retriable_status_codes}
 * (adding {@code retriable-status-codes}), an empty {@code retryOn} means Istio's default conditions, and retries
 * prefer hosts not tried yet ({@code previous_hosts}).
 */
final class RetryPolicyTranslator {
    /** Istio's retryOn when the VirtualService gives none. */
    static final String ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,"
            + "retriable-status-codes";
    static final int ISTIO_DEFAULT_RETRIABLE_STATUS = 503;
    static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

    private RetryPolicyTranslator() {}

    /** The Envoy policy, or null when the VirtualService asks for no retries. */
    static RetryPolicy translate(HttpRetry retries) {
        if (retries == null || retries.attempts() == null || retries.attempts() == 0) {
            return null;
        }
        RetryPolicy.Builder b = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(retries.attempts()));
        Set<String> conditions = new LinkedHashSet<>();
        List<Integer> codes = new ArrayList<>();
        String retryOn = retries.retryOn() == null || retries.retryOn().isBlank() ? null : retries.retryOn();
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
        if (retries.perTryTimeout() != null && !retries.perTryTimeout().isZero()) {
            b.setPerTryTimeout(Durations.fromNanos(retries.perTryTimeout().toNanos()));
        }
        b.addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName(PREVIOUS_HOSTS)
                        .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
                .setHostSelectionRetryMaxAttempts(5);
        return b.build();
    }
}
