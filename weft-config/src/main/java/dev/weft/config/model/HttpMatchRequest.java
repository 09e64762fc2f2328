package dev.weft.config.model;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code HTTPMatchRequest}: all set conditions must hold. Header names are as written (Istio lower-cases
 * them when generating Envoy config). {@code port} null means any port.
 */
public record HttpMatchRequest(String name, StringMatch uri, StringMatch scheme, StringMatch method,
                               StringMatch authority, Map<String, StringMatch> headers,
                               Map<String, StringMatch> queryParams, Map<String, StringMatch> withoutHeaders,
                               Boolean ignoreUriCase, Map<String, String> sourceLabels, Integer port,
                               List<String> gateways, String sourceNamespace) {
    public HttpMatchRequest {
        headers = Immutables.map(headers);
        queryParams = Immutables.map(queryParams);
        withoutHeaders = Immutables.map(withoutHeaders);
        sourceLabels = Immutables.map(sourceLabels);
        gateways = Immutables.list(gateways);
    }

    public boolean ignoresUriCase() {
        return Boolean.TRUE.equals(ignoreUriCase);
    }
}
