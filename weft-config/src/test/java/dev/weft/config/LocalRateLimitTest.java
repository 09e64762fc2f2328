package dev.weft.config;

import dev.weft.config.model.LocalRateLimit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Weft's weft.dev LocalRateLimit: loading, strict validation, and which resource selects a workload. */
class LocalRateLimitTest {
    private static final String LIMITS = """
            apiVersion: weft.dev/v1alpha1
            kind: LocalRateLimit
            metadata:
              name: ratings
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: ratings
              tokenBucket:
                maxTokens: 10
                tokensPerFill: 10
                fillInterval: 1s
              statusCode: 503
              responseHeaders: false
              routes:
              - name: writes
                match:
                  uri:
                    prefix: /ratings
                  method:
                    exact: POST
                tokenBucket:
                  maxTokens: 2
                  fillInterval: 500ms
            ---
            apiVersion: weft.dev/v1alpha1
            kind: LocalRateLimit
            metadata:
              name: shop-wide
              namespace: shop
            spec:
              tokenBucket: {maxTokens: 100, fillInterval: 1s}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: LocalRateLimit
            metadata:
              name: mesh
              namespace: istio-system
            spec:
              tokenBucket: {maxTokens: 1000, fillInterval: 1s}
            """;

    @Test
    void loadsWithDefaultsAndSelectsWorkloadThenNamespaceThenMesh() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("limits.yaml", LIMITS));
        assertThat(result.errorReport()).isEmpty();
        var limits = result.config().localRateLimits();
        assertThat(limits).hasSize(3);
        LocalRateLimit ratings = limits.getFirst();
        assertThat(ratings.spec().tokenBucket().maxTokens()).isEqualTo(10);
        assertThat(ratings.spec().effectiveStatusCode()).isEqualTo(503);
        assertThat(ratings.spec().effectiveResponseHeaders()).isFalse();
        var writes = ratings.spec().routes().getFirst();
        assertThat(writes.match().uri().prefix()).isEqualTo("/ratings");
        assertThat(writes.match().method().exact()).isEqualTo("POST");
        assertThat(writes.tokenBucket().effectiveTokensPerFill()).isEqualTo(1); // Envoy's default
        assertThat(writes.tokenBucket().fillInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(limits.get(1).spec().effectiveStatusCode()).isEqualTo(429);
        assertThat(limits.get(1).spec().effectiveResponseHeaders()).isTrue();

        assertThat(LocalRateLimits.selecting(limits, "shop", Map.of("app", "ratings")).meta().name()).isEqualTo("ratings");
        assertThat(LocalRateLimits.selecting(limits, "shop", Map.of("app", "reviews")).meta().name()).isEqualTo("shop-wide");
        assertThat(LocalRateLimits.selecting(limits, "default", Map.of("app", "ratings")).meta().name()).isEqualTo("mesh");
        assertThat(LocalRateLimits.selecting(limits.subList(0, 1), "default", Map.of("app", "ratings"))).isNull();
    }

    @Test
    void invalidLimitsAreRejectedWithFileLineResourceAndField() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("bad.yaml", """
                apiVersion: weft.dev/v1alpha1
                kind: LocalRateLimit
                metadata:
                  name: bad-bucket
                spec:
                  tokenBucket:
                    maxTokens: 0
                    tokensPerFill: -1
                    fillInterval: 10ms
                  statusCode: 200
                  routes:
                  - name: a
                    match:
                      uri: {prefix: /a, exact: /a}
                    tokenBucket: {maxTokens: 1, fillInterval: 1s}
                  - name: a
                    match: {}
                  - name: Bad_Name
                    match:
                      method: {regex: "(GET"}
                    tokenBucket: {maxTokens: 1}
                ---
                apiVersion: weft.dev/v1alpha1
                kind: LocalRateLimit
                metadata:
                  name: typo
                spec:
                  tokenBucket: {maxTokens: 1, fillInterval: 1s, burst: 5}
                  workloadSelector: {labels: {app: x}}
                ---
                apiVersion: weft.dev/v1alpha1
                kind: LocalRateLimit
                metadata:
                  name: empty
                spec: {}
                ---
                apiVersion: networking.istio.io/v1
                kind: LocalRateLimit
                metadata:
                  name: wrong-group
                spec:
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                """));
        String report = result.errorReport();
        assertThat(result.ok()).isFalse();
        assertThat(report)
                .contains("bad.yaml:7: LocalRateLimit default/bad-bucket: spec.tokenBucket.maxTokens: must be between 1 and 4294967295, got 0")
                .contains("bad.yaml:8: LocalRateLimit default/bad-bucket: spec.tokenBucket.tokensPerFill: must be between 1 and 4294967295, got -1")
                .contains("bad.yaml:9: LocalRateLimit default/bad-bucket: spec.tokenBucket.fillInterval: must be at least 50ms")
                .contains("bad.yaml:10: LocalRateLimit default/bad-bucket: spec.statusCode: must be an error status Envoy's HttpStatus names (400-417, 421-424, 426, 428, 429, 431, 500-508, 510, 511), got 200")
                .contains("bad.yaml:14: LocalRateLimit default/bad-bucket: spec.routes[0].match.uri: exactly one of exact, prefix, regex may be set, found 2")
                .contains("spec.routes[1].name: duplicate route name \"a\"")
                .contains("spec.routes[1].match: match needs uri and/or method")
                .contains("spec.routes[1].tokenBucket: tokenBucket is required")
                .contains("spec.routes[2].name: name \"Bad_Name\" must be lower-case")
                .contains("spec.routes[2].match.method.regex: invalid regex \"(GET\"")
                .contains("spec.routes[2].tokenBucket.fillInterval: fillInterval is required")
                .contains("LocalRateLimit default/typo: spec.tokenBucket.burst: unknown field \"burst\"; known fields: fillInterval, maxTokens, tokensPerFill")
                .contains("LocalRateLimit default/typo: spec.workloadSelector: unknown field \"workloadSelector\"; known fields: responseHeaders, routes, selector, statusCode, tokenBucket")
                .contains("LocalRateLimit default/empty: spec: a LocalRateLimit needs a tokenBucket")
                .contains("LocalRateLimit default/wrong-group: apiVersion: unsupported apiVersion \"networking.istio.io/v1\" for LocalRateLimit; Weft reads weft.dev/v1alpha1");
    }
}
