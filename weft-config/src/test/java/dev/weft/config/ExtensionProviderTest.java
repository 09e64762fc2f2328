package dev.weft.config;

import dev.weft.config.model.AuthorizationPolicySpec.Action;
import dev.weft.config.model.ExtensionProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** MeshConfig extensionProviders (weft.dev/v1alpha1 MeshConfig) and CUSTOM AuthorizationPolicies naming them. */
class ExtensionProviderTest {
    private static final String MESH = """
            apiVersion: weft.dev/v1alpha1
            kind: MeshConfig
            metadata: {name: mesh, namespace: istio-system}
            spec:
              extensionProviders:
              - name: http-authz
                envoyExtAuthzHttp:
                  service: ext-authz.default.svc.cluster.local
                  port: 8000
                  timeout: 2s
                  pathPrefix: /check
                  failOpen: true
                  statusOnError: "503"
                  includeRequestHeadersInCheck: ["x-ext-authz", "x-user-*"]
                  includeAdditionalHeadersInCheck: {x-from: weft}
                  headersToUpstreamOnAllow: ["x-authz-*"]
                  headersToDownstreamOnDeny: ["x-deny-reason"]
                  headersToDownstreamOnAllow: ["*-trace"]
              - name: grpc-authz
                envoyExtAuthzGrpc:
                  service: security/ext-authz-grpc.security.svc.cluster.local
                  port: 9000
            """;

    private static final String CUSTOM = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ext, namespace: default}
            spec:
              selector: {matchLabels: {app: payments}}
              action: CUSTOM
              provider: {name: http-authz}
              rules:
              - to:
                - operation: {paths: ["/admin*"]}
            """;

    @Test
    void loadsProvidersWithIstiosDefaultsAndACustomPolicyNamingOne() {
        LoadResult result = ConfigLoader.loadTexts(texts("mesh.yaml", MESH, "authz.yaml", CUSTOM));
        assertThat(result.errors()).isEmpty();
        MeshConfig config = result.config();
        assertThat(config.extensionProviders()).extracting(ExtensionProvider::name)
                .containsExactly("http-authz", "grpc-authz");
        ExtensionProvider http = config.extensionProvider("http-authz");
        assertThat(http.effectiveTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(http.effectiveFailOpen()).isTrue();
        assertThat(http.effectiveStatusOnError()).isEqualTo(503);
        assertThat(http.envoyExtAuthzHttp().includeAdditionalHeadersInCheck()).containsEntry("x-from", "weft");
        ExtensionProvider grpc = config.extensionProvider("grpc-authz");
        assertThat(grpc.effectiveTimeout()).isEqualTo(Duration.ofSeconds(600)); // Istio's default
        assertThat(grpc.effectiveFailOpen()).isFalse();
        assertThat(grpc.effectiveStatusOnError()).isEqualTo(403);
        assertThat(config.authorizationPolicies().getFirst().spec().effectiveAction()).isEqualTo(Action.CUSTOM);
    }

    @Test
    void aCustomPolicyNamingAnUndefinedProviderIsRejectedWithTheDefinedOnes() {
        String report = ConfigLoader.loadTexts(texts("mesh.yaml", MESH,
                "authz.yaml", CUSTOM.replace("name: http-authz", "name: opa"))).errorReport();
        assertThat(report).contains("authz.yaml:7: AuthorizationPolicy default/ext: spec.provider.name: "
                + "extension provider \"opa\" is not defined in the MeshConfig's extensionProviders "
                + "(defined: http-authz, grpc-authz)");
        String none = ConfigLoader.loadTexts(texts("authz.yaml", CUSTOM)).errorReport();
        assertThat(none).contains("spec.provider.name").contains("(none is defined)");
    }

    @Test
    void badProviderFieldsAreReportedAtTheirLines() {
        String bad = """
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  extensionProviders:
                  - name: a
                    envoyExtAuthzHttp:
                      service: "Not A Host"
                      port: 70000
                      pathPrefix: check
                      statusOnError: "teapot"
                      timeout: 0s
                      headersToUpstreamOnAllow: ["x-*-y"]
                      includeRequestBodyInCheck: {maxRequestBytes: 100}
                  - name: a
                    envoyExtAuthzGrpc: {service: authz.default.svc.cluster.local}
                  - name: c
                  - name: d
                    envoyExtAuthzHttp: {service: a.b, port: 1}
                    envoyExtAuthzGrpc: {service: a.b, port: 1}
                  - name: e
                    zipkin: {service: z, port: 9411}
                """;
        String report = ConfigLoader.loadTexts(texts("m.yaml", bad)).errorReport();
        assertThat(report)
                .contains("m.yaml:8: MeshConfig istio-system/mesh: spec.extensionProviders[0].envoyExtAuthzHttp.service: "
                        + "\"Not A Host\" is not a host name")
                .contains("m.yaml:9:").contains("port must be 1-65535, got 70000")
                .contains("m.yaml:10:").contains("pathPrefix must begin with \"/\"")
                .contains("m.yaml:11:").contains("statusOnError must be an HTTP status code 200-599")
                .contains("m.yaml:12:").contains("timeout must be positive")
                .contains("m.yaml:13:").contains("headersToUpstreamOnAllow[0]")
                .contains("m.yaml:14:").contains("includeRequestBodyInCheck: not supported by Weft yet")
                .contains("m.yaml:15:").contains("duplicate extension provider \"a\"")
                .contains("m.yaml:16:").contains("envoyExtAuthzGrpc.port: port is required")
                .contains("m.yaml:17:").contains("a provider needs one of envoyExtAuthzHttp, envoyExtAuthzGrpc")
                .contains("m.yaml:18:").contains("both envoyExtAuthzHttp and envoyExtAuthzGrpc are set")
                .contains("m.yaml:22:").contains("unknown field \"zipkin\"");
    }

    @Test
    void aSecondMeshConfigIsRejectedNamingTheFirst() {
        String report = ConfigLoader.loadTexts(texts("a.yaml", MESH, "b.yaml",
                MESH.replace("name: mesh,", "name: other,"))).errorReport();
        assertThat(report).contains("b.yaml:3: MeshConfig istio-system/other: metadata.name: only one MeshConfig per "
                + "config set, first defined as istio-system/mesh at a.yaml:1");
    }

    private static Map<String, String> texts(String... nameAndText) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            m.put(nameAndText[i], nameAndText[i + 1]);
        }
        return m;
    }
}
