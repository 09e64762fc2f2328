package dev.weft.dataplane.xds;

import dev.weft.dataplane.retry.RetryOn;
import dev.weft.dataplane.retry.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/** Route {@code retry_policy} → {@link RetryPolicy}; fields that would change behaviour if ignored are NACKed. */
final class RetryPolicyParser {
    static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

    private RetryPolicyParser() {}

    static RetryPolicy parse(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, Rejector reject, String path)
            throws ResourceRejectedException {
        int retries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
        Duration perTry = p.hasPerTryTimeout()
                ? RouteConfigurationParser.duration(p.getPerTryTimeout(), reject, path + ".per_try_timeout")
                : Duration.ZERO;
        Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
        for (String name : p.getRetryOn().split(",")) {
            if (name.isBlank()) {
                continue;
            }
            RetryOn r = RetryOn.of(name);
            if (r == null) {
                throw reject.at(path + ".retry_on", "unknown retry condition \"" + name.trim() + "\"");
            }
            on.add(r);
        }
        Set<Integer> codes = new HashSet<>();
        for (int code : p.getRetriableStatusCodesList()) {
            if (code < 100 || code > 599) {
                throw reject.at(path + ".retriable_status_codes", code + " is not an HTTP status");
            }
            codes.add(code);
        }
        if (p.getRetriableHeadersCount() > 0 || p.getRetriableRequestHeadersCount() > 0) {
            throw reject.at(path + ".retriable_headers", "not supported");
        }
        if (p.hasRateLimitedRetryBackOff()) {
            throw reject.at(path + ".rate_limited_retry_back_off", "not supported");
        }
        if (p.hasRetryPriority()) {
            throw reject.at(path + ".retry_priority", "not supported");
        }
        boolean otherHost = false;
        for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
            RetryHostPredicate predicate = p.getRetryHostPredicate(i);
            if (!PREVIOUS_HOSTS.equals(predicate.getName())) {
                throw reject.at(path + ".retry_host_predicate[" + i + "]", "unsupported predicate \""
                        + predicate.getName() + "\", only " + PREVIOUS_HOSTS);
            }
            otherHost = true;
        }
        Duration base = Duration.ZERO;
        Duration max = Duration.ZERO;
        if (p.hasRetryBackOff()) {
            var b = p.getRetryBackOff();
            base = RouteConfigurationParser.duration(b.getBaseInterval(), reject, path + ".retry_back_off.base_interval");
            if (base.toMillis() < 1) {
                throw reject.at(path + ".retry_back_off.base_interval", "must be at least 1ms");
            }
            if (b.hasMaxInterval()) {
                max = RouteConfigurationParser.duration(b.getMaxInterval(), reject,
                        path + ".retry_back_off.max_interval");
                if (max.compareTo(base) < 0) {
                    throw reject.at(path + ".retry_back_off.max_interval", "must not be below base_interval");
                }
            }
        }
        long reselect = p.getHostSelectionRetryMaxAttempts();
        if (reselect < 0 || reselect > 100) {
            throw reject.at(path + ".host_selection_retry_max_attempts", "must be 0..100, got " + reselect);
        }
        return new RetryPolicy(retries, perTry, on, codes, base, max, otherHost, (int) reselect);
    }
}
