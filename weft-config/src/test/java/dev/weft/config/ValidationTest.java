package dev.weft.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every check produces one message naming file:line, resource, field path and what is wrong. */
class ValidationTest {
    private static final String REVIEWS_DR = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void writeDestinationRule() throws IOException {
        Files.writeString(dir.resolve("00-rules.yaml"), REVIEWS_DR);
    }

    private List<String> errors(String file, String yaml) throws IOException {
        Files.writeString(dir.resolve(file), yaml);
        LoadResult result = ConfigLoader.load(dir);
        assertThat(result.ok()).as("set with an error must be rejected").isFalse();
        assertThat(result.config()).isNull();
        return result.errors().stream().map(ConfigError::toString).toList();
    }

    private String at(String file, int line) {
        return dir.resolve(file) + ":" + line + ": ";
    }

    private static String vs(String httpRoutes) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts:
                  - reviews
                  http:
                """ + httpRoutes.stripIndent().indent(2);
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() throws IOException {
        assertThat(errors("routes.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews
                  http: []
                """)).singleElement().asString()
                .startsWith(at("routes.yaml", 7) + "invalid YAML: ")
                .contains("expected ',' or ']'");
    }

    @Test
    void duplicateYamlKeyIsAnError() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - route:
                  - destination:
                      host: reviews
                    destination:
                      host: ratings
                """))).containsExactly(at("routes.yaml", 12)
                + "spec.http[0].route[0].destination: duplicate key \"destination\" (first at line 10)");
    }

    @Test
    void unknownFieldNamesItsPathAndTheKnownFields() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - route:
                  - destination:
                      host: reviews
                      subsett: v1
                """))).containsExactly(at("routes.yaml", 12) + "VirtualService default/reviews: "
                + "spec.http[0].route[0].destination.subsett: unknown field \"subsett\"; known fields: host, port, subset");
    }

    @Test
    void istioFieldsWeftDoesNotSupportSaySo() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - corsPolicy:
                    allowOrigins: []
                  route:
                  - destination:
                      host: reviews
                """))).containsExactly(at("routes.yaml", 9) + "VirtualService default/reviews: "
                + "spec.http[0].corsPolicy: field \"corsPolicy\" is part of Istio's API but not supported by Weft yet");
    }

    @Test
    void everyBadFieldOfOneResourceIsReported() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - timeout: 5
                  retries:
                    attempts: many
                  route:
                  - destination:
                      host: reviews
                      subset: v1
                    weight: 60
                  - destination:
                      host: reviews
                      subset: v2
                    weight: 30
                """))).containsExactly(
                at("routes.yaml", 9) + "VirtualService default/reviews: spec.http[0].timeout: "
                        + "a duration must be a string with a unit, e.g. \"5s\", got 5",
                at("routes.yaml", 11) + "VirtualService default/reviews: spec.http[0].retries.attempts: "
                        + "expected an integer, got the string \"many\"",
                at("routes.yaml", 20) + "VirtualService default/reviews: spec.http[0].route[1].weight: "
                        + "weights add up to 90, must be 100");
    }

    @Test
    void missingRequiredFields() throws IOException {
        Files.writeString(dir.resolve("00-rules.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  subsets:
                  - labels:
                      version: v1
                  - name: v2
                """);
        List<String> errors = errors("routes.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: nohosts
                spec:
                  http:
                  - route:
                    - destination:
                        subset: v1
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: external
                spec:
                  location: MESH_EXTERNAL
                """);
        assertThat(errors).containsExactly(
                at("00-rules.yaml", 8) + "DestinationRule default/reviews: spec.subsets[0].name: subset name is required",
                at("00-rules.yaml", 10) + "DestinationRule default/reviews: spec.subsets[1].labels: "
                        + "labels are required: a subset selects endpoints by labels",
                at("routes.yaml", 5) + "VirtualService default/nohosts: spec.hosts: at least one host is required",
                at("routes.yaml", 8) + "VirtualService default/nohosts: spec.http[0].route[0].destination.host: host is required",
                at("routes.yaml", 15) + "ServiceEntry default/external: spec.hosts: at least one host is required",
                at("routes.yaml", 15) + "ServiceEntry default/external: spec.ports: at least one port is required");
    }

    @Test
    void badRegexIsReportedWithJavaRegexDescription() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - match:
                  - uri:
                      regex: "/api/(v1"
                    headers:
                      x-tenant:
                        regex: "[a-"
                  route:
                  - destination:
                      host: reviews
                """))).containsExactly(
                at("routes.yaml", 11) + "VirtualService default/reviews: spec.http[0].match[0].uri.regex: "
                        + "invalid regex \"/api/(v1\": Unclosed group near index 8",
                at("routes.yaml", 14) + "VirtualService default/reviews: spec.http[0].match[0].headers.x-tenant.regex: "
                        + "invalid regex \"[a-\": Illegal character range near index 3");
    }

    @Test
    void stringMatchNeedsExactlyOneVariant() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - match:
                  - uri:
                      exact: /a
                      prefix: /b
                  - method: {}
                  - headers:
                      x-present: {}
                  route:
                  - destination:
                      host: reviews
                """))).containsExactly(
                at("routes.yaml", 10) + "VirtualService default/reviews: spec.http[0].match[0].uri: "
                        + "exactly one of exact, prefix, regex may be set, found 2",
                at("routes.yaml", 13) + "VirtualService default/reviews: spec.http[0].match[1].method: "
                        + "a match needs exactly one of exact, prefix, regex");
    }

    @Test
    void weightsMustBeNonNegativeAndAddUpTo100() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - route:
                  - destination:
                      host: reviews
                      subset: v1
                    weight: 70
                  - destination:
                      host: reviews
                      subset: v2
                    weight: 20
                - route:
                  - destination:
                      host: reviews
                      subset: v1
                    weight: -10
                  - destination:
                      host: reviews
                      subset: v2
                    weight: 110
                - route:
                  - destination:
                      host: reviews
                      subset: v1
                """))).containsExactly(
                at("routes.yaml", 17) + "VirtualService default/reviews: spec.http[0].route[1].weight: "
                        + "weights add up to 90, must be 100",
                at("routes.yaml", 22) + "VirtualService default/reviews: spec.http[1].route[0].weight: "
                        + "weight must not be negative, got -10");
    }

    @Test
    void unknownSubsetIsCheckedAgainstDestinationRulesInOtherFiles() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - route:
                  - destination:
                      host: reviews.default.svc.cluster.local
                      subset: v3
                - route:
                  - destination:
                      host: ratings
                      subset: v1
                """))).containsExactly(
                at("routes.yaml", 12) + "VirtualService default/reviews: spec.http[0].route[0].destination.subset: "
                        + "unknown subset \"v3\": DestinationRule default/reviews (" + dir.resolve("00-rules.yaml")
                        + ":1) for host reviews.default.svc.cluster.local defines only v1, v2",
                at("routes.yaml", 16) + "VirtualService default/reviews: spec.http[1].route[0].destination.subset: "
                        + "unknown subset \"v1\": no DestinationRule defines subsets for host ratings.default.svc.cluster.local");
    }

    @Test
    void subsetInAnotherNamespacesRuleResolvesByFullName() throws IOException {
        Files.writeString(dir.resolve("routes.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                  namespace: shop
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  http:
                  - route:
                    - destination:
                        host: reviews.default.svc.cluster.local
                        subset: v2
                """);
        LoadResult result = ConfigLoader.load(dir);
        assertThat(result.errors()).isEmpty();
        assertThat(result.config().virtualServicesFor("reviews.default.svc.cluster.local")).hasSize(1);
    }

    @Test
    void duplicateResourcesAcrossFiles() throws IOException {
        assertThat(errors("routes.yaml", REVIEWS_DR.replace("name: v2", "name: v3").replace("version: v2", "version: v3")))
                .contains(at("routes.yaml", 4) + "DestinationRule default/reviews: metadata.name: "
                        + "duplicate DestinationRule default/reviews, first defined at " + dir.resolve("00-rules.yaml") + ":1");
    }

    @Test
    void duplicateSubsetNames() throws IOException {
        Files.delete(dir.resolve("00-rules.yaml"));
        assertThat(errors("rules.yaml", REVIEWS_DR.replace("name: v2", "name: v1"))).containsExactly(
                at("rules.yaml", 11) + "DestinationRule default/reviews: spec.subsets[1].name: "
                        + "duplicate subset name \"v1\" (also subsets[0])");
    }

    @Test
    void invalidDurations() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - timeout: 3 seconds
                  retries:
                    perTryTimeout: 10x
                  route:
                  - destination:
                      host: reviews
                """))).containsExactly(
                at("routes.yaml", 9) + "VirtualService default/reviews: spec.http[0].timeout: invalid duration \"3 seconds\", "
                        + "expected a number with a unit (h, m, s, ms, us, ns), e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\"",
                at("routes.yaml", 11) + "VirtualService default/reviews: spec.http[0].retries.perTryTimeout: invalid duration \"10x\", "
                        + "expected a number with a unit (h, m, s, ms, us, ns), e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\"");
    }

    @Test
    void redirectTogetherWithRoute() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - redirect:
                    uri: /new
                  route:
                  - destination:
                      host: reviews
                - match:
                  - uri:
                      exact: /x
                """))).containsExactly(
                at("routes.yaml", 9) + "VirtualService default/reviews: spec.http[0].redirect: "
                        + "redirect cannot be used together with route",
                at("routes.yaml", 14) + "VirtualService default/reviews: spec.http[1].route: "
                        + "a route needs at least one destination in route, or a redirect");
    }

    @Test
    void invalidPorts() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - route:
                  - destination:
                      host: reviews
                      port:
                        number: 70000
                """) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: external
                spec:
                  hosts: [api.example.com]
                  ports:
                  - number: 0
                    name: http
                  resolution: DNS
                """)).containsExactly(
                at("routes.yaml", 13) + "VirtualService default/reviews: spec.http[0].route[0].destination.port.number: "
                        + "port 70000 is out of range 1-65535",
                at("routes.yaml", 22) + "ServiceEntry default/external: spec.ports[0].number: port 0 is out of range 1-65535");
    }

    @Test
    void invalidEnumValuesListTheAllowedOnes() throws IOException {
        Files.delete(dir.resolve("00-rules.yaml"));
        assertThat(errors("rules.yaml", REVIEWS_DR.replace("  subsets:\n", """
                  trafficPolicy:
                    loadBalancer:
                      simple: FASTEST
                  subsets:
                """) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: external
                spec:
                  hosts: [api.example.com]
                  ports:
                  - number: 443
                    name: https
                  resolution: MAGIC
                """)).containsExactly(
                at("rules.yaml", 9) + "DestinationRule default/reviews: spec.trafficPolicy.loadBalancer.simple: "
                        + "invalid value \"FASTEST\", must be one of: UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST",
                at("rules.yaml", 27) + "ServiceEntry default/external: spec.resolution: "
                        + "invalid value \"MAGIC\", must be one of: NONE, STATIC, DNS, DNS_ROUND_ROBIN");
    }

    @Test
    void emptyOrMalformedHosts() throws IOException {
        Files.delete(dir.resolve("00-rules.yaml"));
        assertThat(errors("rules.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: empty
                spec:
                  host: ""
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: malformed
                spec:
                  host: reviews_v1
                """ + "---\n" + vs("""
                - route:
                  - destination:
                      host: "*.example.com"
                  - destination:
                      host: "-bad-.example.com"
                """))).containsExactly(
                at("rules.yaml", 6) + "DestinationRule default/empty: spec.host: host is required",
                at("rules.yaml", 13) + "DestinationRule default/malformed: spec.host: host 'reviews_v1' is not a valid DNS name "
                        + "(label 'reviews_v1' must be letters, digits and '-', not starting or ending with '-')",
                at("rules.yaml", 25) + "VirtualService default/reviews: spec.http[0].route[0].destination.host: "
                        + "wildcard host '*.example.com' is not allowed here",
                at("rules.yaml", 26) + "VirtualService default/reviews: spec.http[0].route[1]: weights add up to 0, must be 100",
                at("rules.yaml", 27) + "VirtualService default/reviews: spec.http[0].route[1].destination.host: "
                        + "host '-bad-.example.com' is not a valid DNS name "
                        + "(label '-bad-' must be letters, digits and '-', not starting or ending with '-')");
    }

    @Test
    void unknownApiVersionAndKind() throws IOException {
        assertThat(errors("gateway.yaml", """
                apiVersion: networking.istio.io/v2
                kind: VirtualService
                metadata:
                  name: a
                spec: {}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: gw
                spec: {}
                """)).containsExactly(
                at("gateway.yaml", 1) + "VirtualService default/a: apiVersion: unsupported apiVersion \"networking.istio.io/v2\"; "
                        + "Weft reads networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3",
                at("gateway.yaml", 8) + "Gateway default/gw: kind: unsupported kind \"Gateway\"; "
                        + "Weft supports VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, PeerAuthentication, "
                        + "AuthorizationPolicy, LocalRateLimit, Telemetry, RequestAuthentication, MeshConfig");
    }

    @Test
    void metadataProblems() throws IOException {
        assertThat(errors("routes.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  namespace: Prod
                  nmae: vm
                spec:
                  address: 10.0.0.1
                """)).containsExactly(
                at("routes.yaml", 3) + "WorkloadEntry: metadata.name: name is required",
                at("routes.yaml", 4) + "WorkloadEntry: metadata.namespace: namespace \"Prod\" must be lower-case letters, "
                        + "digits and '-' (at most 63), starting and ending with a letter or digit",
                at("routes.yaml", 5) + "WorkloadEntry: metadata.nmae: unknown field \"nmae\"; known fields: annotations, "
                        + "creationTimestamp, finalizers, generation, labels, managedFields, name, namespace, ownerReferences, "
                        + "resourceVersion, uid");

    }

    @Test
    void serviceEntryEndpointsMustUseDeclaredPortNames() throws IOException {
        assertThat(errors("entries.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: external
                spec:
                  hosts: [api.example.com]
                  ports:
                  - number: 80
                    name: http
                    protocol: HTTP
                  resolution: STATIC
                  endpoints:
                  - address: api.example.com
                    ports:
                      grpc: 9000
                """)).containsExactly(
                at("entries.yaml", 13) + "ServiceEntry default/external: spec.endpoints[0].address: "
                        + "\"api.example.com\" is not an IP address (resolution STATIC needs IPs)",
                at("entries.yaml", 15) + "ServiceEntry default/external: spec.endpoints[0].ports.grpc: "
                        + "port name \"grpc\" is not one of this ServiceEntry's ports [http]");
    }

    @Test
    void consistentHashNeedsExactlyOneKey() throws IOException {
        Files.delete(dir.resolve("00-rules.yaml"));
        assertThat(errors("rules.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: ratings
                spec:
                  host: ratings
                  trafficPolicy:
                    loadBalancer:
                      consistentHash:
                        httpHeaderName: x-user
                        useSourceIp: true
                        maglev:
                          tableSize: 1000
                """)).containsExactly(
                at("rules.yaml", 9) + "DestinationRule default/ratings: spec.trafficPolicy.loadBalancer.consistentHash: "
                        + "consistentHash needs exactly one of httpHeaderName, httpCookie, useSourceIp: true, "
                        + "httpQueryParameterName; found 2",
                at("rules.yaml", 13) + "DestinationRule default/ratings: spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: "
                        + "tableSize must be a prime number up to 5000011, got 1000");
    }

    @Test
    void anInvalidFileRejectsTheWholeSetButAValidSetLoads() throws IOException {
        Files.writeString(dir.resolve("10-good.yaml"), vs("""
                - route:
                  - destination:
                      host: reviews
                      subset: v1
                """));
        assertThat(ConfigLoader.load(dir).ok()).isTrue();
        List<String> errors = errors("20-bad.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                + "metadata: {name: other}\nspec: {hosts: [other], http: [{route: [{destination: {host: other, port: {number: 0}}}]}]}\n");
        assertThat(errors).containsExactly(at("20-bad.yaml", 4) + "VirtualService default/other: "
                + "spec.http[0].route[0].destination.port.number: port 0 is out of range 1-65535");
    }
    @Test
    void aHostRoutedByTwoVirtualServicesIsAConflict() throws IOException {
        Files.writeString(dir.resolve("10-a.yaml"), vs("""
                - route:
                  - destination:
                      host: reviews
                """));
        assertThat(errors("20-b.yaml", vs("""
                - route:
                  - destination:
                      host: reviews
                """).replace("name: reviews", "name: reviews-too").replace("- reviews", "- reviews.default.svc.cluster.local")))
                .containsExactly(at("20-b.yaml", 7) + "VirtualService default/reviews-too: spec.hosts[0]: "
                        + "host reviews.default.svc.cluster.local is already routed by VirtualService default/reviews ("
                        + dir.resolve("10-a.yaml") + ":1); merge the routes into one VirtualService");
    }

    @Test
    void twoDestinationRulesForOneHostInOneNamespace() throws IOException {
        assertThat(errors("rules2.yaml", REVIEWS_DR.replace("name: reviews", "name: reviews-2")
                .replace("host: reviews", "host: reviews.default.svc.cluster.local")))
                .containsExactly(at("rules2.yaml", 6) + "DestinationRule default/reviews-2: spec.host: namespace default "
                        + "already has DestinationRule default/reviews for this host (" + dir.resolve("00-rules.yaml")
                        + ":1); Weft does not merge rules");
    }

    @Test
    void grpcRetryConditionsAreAccepted() throws IOException {
        Files.writeString(dir.resolve("routes.yaml"), vs("""
                - retries:
                    attempts: 2
                    retryOn: cancelled,deadline-exceeded,resource-exhausted,unavailable,internal,503
                  route:
                  - destination:
                      host: reviews
                """));
        assertThat(ConfigLoader.load(dir).errors()).isEmpty();
        assertThat(errors("routes.yaml", vs("""
                - retries:
                    attempts: 2
                    retryOn: unavailable,aborted
                  route:
                  - destination:
                      host: reviews
                """))).singleElement().asString().contains("spec.http[0].retries.retryOn: unknown retry policy \"aborted\"");
    }

    @Test
    void policyDetailsAreValidatedEvenWhereNotYetApplied() throws IOException {
        assertThat(errors("routes.yaml", vs("""
                - redirect:
                    authority: example.com
                    redirectCode: 200
                - retries:
                    attempts: 2
                    retryOn: 5xx,sometimes
                  fault:
                    abort:
                      percentage:
                        value: 150
                  route:
                  - destination:
                      host: reviews
                """) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: ratings
                spec:
                  host: ratings
                  trafficPolicy:
                    tls:
                      mode: MUTUAL
                    outlierDetection:
                      maxEjectionPercent: 120
                """)).containsExactly(
                at("routes.yaml", 11) + "VirtualService default/reviews: spec.http[0].redirect.redirectCode: "
                        + "redirect code must be a 3xx status, got 200",
                at("routes.yaml", 14) + "VirtualService default/reviews: spec.http[1].retries.retryOn: "
                        + "unknown retry policy \"sometimes\", must be an HTTP status or one of: 5xx, cancelled, "
                        + "connect-failure, deadline-exceeded, envoy-ratelimited, gateway-error, "
                        + "http3-post-connect-failure, internal, refused-stream, reset, reset-before-request, "
                        + "resource-exhausted, retriable-4xx, retriable-headers, retriable-status-codes, unavailable",
                at("routes.yaml", 16) + "VirtualService default/reviews: spec.http[1].fault.abort: "
                        + "abort must set exactly one of httpStatus, grpcStatus, http2Error",
                at("routes.yaml", 18) + "VirtualService default/reviews: spec.http[1].fault.abort.percentage.value: "
                        + "must be between 0 and 100, got 150.0",
                at("routes.yaml", 30) + "DestinationRule default/ratings: spec.trafficPolicy.tls: "
                        + "MUTUAL needs clientCertificate and privateKey, or credentialName",
                at("routes.yaml", 33) + "DestinationRule default/ratings: spec.trafficPolicy.outlierDetection.maxEjectionPercent: "
                        + "must be between 0 and 100, got 120");
    }

    @Test
    void faultInjectionIsValidatedStrictly() throws IOException {
        var errors = errors("routes.yaml", vs("""
                - fault:
                    delay:
                      fixedDelay: 0.5ms
                      percentage: {value: -1}
                    abort:
                      grpcStatus: NOT_A_STATUS
                  route:
                  - destination:
                      host: reviews
                - fault:
                    abort:
                      http2Error: PROTOCOL_ERROR
                  route:
                  - destination:
                      host: reviews
                """));
        assertThat(errors).anyMatch(e -> e.contains("spec.http[0].fault.delay.fixedDelay"))
                .anyMatch(e -> e.contains("spec.http[0].fault.delay.percentage.value: must be between 0 and 100"))
                .anyMatch(e -> e.contains("spec.http[0].fault.abort.grpcStatus: grpcStatus must be a gRPC status "
                        + "name such as UNAVAILABLE, got NOT_A_STATUS"))
                .anyMatch(e -> e.contains("spec.http[1].fault.abort.http2Error: http2Error is not supported"))
                .hasSize(4);
    }

    @Test
    void serviceEntryCannotHaveBothEndpointsAndWorkloadSelector() throws IOException {
        assertThat(errors("entries.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: legacy
                spec:
                  hosts: [legacy.internal]
                  ports:
                  - number: 80
                    name: http
                  resolution: STATIC
                  workloadSelector:
                    labels:
                      app: legacy
                  endpoints:
                  - address: 10.0.0.1
                """)).containsExactly(at("entries.yaml", 11) + "ServiceEntry default/legacy: spec.workloadSelector: "
                + "workloadSelector and endpoints cannot both be set");
    }

    @Test
    void aDocumentThatIsNotAResource() throws IOException {
        assertThat(errors("routes.yaml", "---\n- just\n- a list\n")).containsExactly(at("routes.yaml", 2)
                + "a document must be a mapping with apiVersion, kind, metadata and spec, got a list");
    }
}
