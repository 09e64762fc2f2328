package dev.weft.tests;

import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;

import static org.assertj.core.api.Assertions.assertThat;

/** YAML used by the routing tests. Every reviews workload is known by port 9080. */
final class RoutingConfigs {
    private RoutingConfigs() {
    }

    static final String REVIEWS_SUBSETS = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
              namespace: default
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
              - name: v3
                labels:
                  version: v3
            """;

    /** Every reviews request to one subset. */
    static String reviewsAllTo(String subset) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                  namespace: default
                spec:
                  hosts:
                  - reviews
                  http:
                  - route:
                    - destination:
                        host: reviews
                        subset: %s
                """.formatted(subset);
    }

    /** {@code requests} requests to reviews:9080, each a 200 from {@code version}. */
    static void assertAllReviewsServedBy(String step, MeshClient client, String version, int requests) {
        for (int i = 0; i < requests; i++) {
            Reply reply = client.tryGet("reviews:9080", "/" + step.replace(' ', '-') + "/" + i);
            assertThat(reply.status()).as("%s, request %d: %s", step, i, reply).isEqualTo(200);
            assertThat(reply.version()).as("%s, request %d", step, i).isEqualTo(version);
        }
    }

    /** jason → v2; /v3/ → v3; everything else split by weight between v1 and {@code otherSubset}. */
    static String reviewsRoutes(int v1Weight, String otherSubset, int otherWeight) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                  namespace: default
                spec:
                  hosts:
                  - reviews
                  http:
                  - name: jason
                    match:
                    - headers:
                        end-user:
                          exact: jason
                    route:
                    - destination:
                        host: reviews
                        subset: v2
                  - name: v3-path
                    match:
                    - uri:
                        prefix: /v3/
                    route:
                    - destination:
                        host: reviews
                        subset: v3
                  - name: split
                    route:
                    - destination:
                        host: reviews
                        subset: v1
                      weight: %d
                    - destination:
                        host: reviews
                        subset: %s
                      weight: %d
                """.formatted(v1Weight, otherSubset, otherWeight);
    }

    static final String INITIAL_ROUTES = reviewsRoutes(80, "v2", 20);
}
