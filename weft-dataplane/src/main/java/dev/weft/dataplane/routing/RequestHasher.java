package dev.weft.dataplane.routing;

import dev.weft.dataplane.cluster.HashKeys;
import dev.weft.dataplane.config.HashPolicy;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Computes a request's hash from a route's hash policies, combining them as Envoy does. */
final class RequestHasher {
    private final HashPolicy[] policies;

    RequestHasher(List<HashPolicy> policies) {
        this.policies = policies.toArray(HashPolicy[]::new);
    }

    /** The hash, or null when no policy applies to this request (the load balancer then picks at random). */
    RequestHash hash(RequestHead head) {
        long combined = 0;
        boolean any = false;
        String setCookie = null;
        for (HashPolicy policy : policies) {
            String key = null;
            switch (policy) {
                case HashPolicy.Header h -> key = RouteMatcher.headerValue(head, h.headerName());
                case HashPolicy.SourceIp s -> key = head.sourceAddress();
                case HashPolicy.Cookie c -> {
                    key = Cookies.value(head.header("cookie"), c.name());
                    if (key == null && c.ttl() != null) {
                        key = Long.toHexString(ThreadLocalRandom.current().nextLong());
                        setCookie = Cookies.setCookie(c.name(), key, c.ttl(), c.path());
                    }
                }
            }
            if (key == null) {
                continue;
            }
            long h = HashKeys.hashKey(key);
            combined = any ? Long.rotateLeft(combined, 1) ^ h : h;
            any = true;
            if (policy.terminal()) {
                break;
            }
        }
        return any ? new RequestHash(combined, setCookie) : null;
    }
}
