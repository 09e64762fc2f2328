package dev.weft.proxy.tls;

import java.net.URI;
import java.nio.file.Path;

/**
 * How a proxy obtains its workload identity (the {@code --token-file} and {@code --ca-url} flags).
 *
 * @param caUrl the control plane's HTTP API, e.g. {@code http://127.0.0.1:15014}
 * @param tokenFile a join token from {@code weft token create}
 */
public record IdentityOptions(URI caUrl, Path tokenFile) {
    /** The workload label Istio puts on pods with a sidecar: the control plane turns on auto mTLS towards it. */
    public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    public static final String TLS_MODE_ISTIO = "istio";
}
