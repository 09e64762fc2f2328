package dev.weft.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The Istio YAML the demo writes, and rewrites while traffic flows. */
public final class DemoConfig {
    public static final String DESTINATION_RULES_FILE = "destination-rules.yaml";
    public static final String REVIEWS_ROUTES_FILE = "reviews-routes.yaml";

    private DemoConfig() {
    }

    static final String DESTINATION_RULES = """
            # Subsets of reviews, by the version label each workload's sidecar registers.
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

    /** Jason sees v2; everyone else is split between v1 and v3 by weight. */
    static String reviewsRoutes(int v1Weight, int v3Weight) {
        StringBuilder routes = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                  namespace: default
                spec:
                  hosts:
                  - reviews
                  http:
                  - name: jason-sees-v2
                    match:
                    - headers:
                        end-user:
                          exact: jason
                    route:
                    - destination:
                        host: reviews
                        subset: v2
                  - name: everyone-else
                    route:
                """);
        if (v1Weight > 0) {
            routes.append("""
                        - destination:
                            host: reviews
                            subset: v1
                          weight: %d
                    """.formatted(v1Weight));
        }
        if (v3Weight > 0) {
            routes.append("""
                        - destination:
                            host: reviews
                            subset: v3
                          weight: %d
                    """.formatted(v3Weight));
        }
        return routes.toString();
    }

    /** Mesh-wide STRICT mTLS: every sidecar-to-sidecar hop of the demo is mutually authenticated. */
    public static final String PEER_AUTHENTICATION_FILE = "peer-authentication.yaml";
    static final String MESH_WIDE_STRICT = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: default
              namespace: istio-system
            spec:
              mtls:
                mode: STRICT
            """;

    /**
     * Only reviews may call ratings, and only its gRPC service's methods (a gRPC call's path is
     * {@code /SERVICE/METHOD}): any other caller gets PERMISSION_DENIED ("RBAC: access denied").
     */
    public static final String AUTHORIZATION_POLICY_FILE = "authorization-policy.yaml";
    static final String RATINGS_FROM_REVIEWS = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: ratings-from-reviews
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: ratings
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/reviews"]
                to:
                - operation:
                    methods: ["POST"]
                    paths: ["/weft.demo.Ratings/*"]
            """;

    static void writeInitial(Path configDir) throws IOException {
        write(configDir.resolve(PEER_AUTHENTICATION_FILE), MESH_WIDE_STRICT);
        write(configDir.resolve(AUTHORIZATION_POLICY_FILE), RATINGS_FROM_REVIEWS);
        write(configDir.resolve(DESTINATION_RULES_FILE), DESTINATION_RULES);
        write(configDir.resolve(REVIEWS_ROUTES_FILE), reviewsRoutes(50, 50));
    }

    /** Replaces a file in one step, so the control plane's watcher never reads half of it. */
    static void write(Path file, String content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
