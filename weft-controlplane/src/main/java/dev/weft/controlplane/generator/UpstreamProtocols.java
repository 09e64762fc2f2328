package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.controlplane.registry.MeshService;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Locale;

/**
 * Which protocol a cluster's upstreams speak, in Envoy's terms: HTTP/2 is declared with
 * {@code typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]} =
 * {@code explicit_http_config.http2_protocol_options}; no options means HTTP/1.1.
 *
 * <p>HTTP/2 when the port's protocol is HTTP2 or GRPC (the app itself speaks it), and for every HTTP port of a
 * service whose endpoints are all Weft sidecars (services registered by proxies): sidecars talk to each other over one
 * multiplexed connection whatever the apps speak, so requests — not connections — are balanced. A port whose
 * protocol is detected (not declared) gets {@code use_downstream_protocol_config}: HTTP/1.1 or HTTP/2 as the client
 * spoke it, as Istio configures such clusters.
 */
public final class UpstreamProtocols {
    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    private static final Any HTTP2 = Any.pack(HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());

    /** A port whose protocol is detected: each request goes upstream in the protocol it came in (Istio's choice). */
    private static final Any DOWNSTREAM = Any.pack(HttpProtocolOptions.newBuilder()
            .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
                    .setHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance())
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());

    private UpstreamProtocols() {}

    /** Whether the app behind a port speaks HTTP/2 itself (Istio protocol names, case-insensitive). */
    public static boolean appSpeaksHttp2(String protocol) {
        String p = protocol == null ? "" : protocol.toUpperCase(Locale.ROOT);
        return p.equals("HTTP2") || p.equals("GRPC");
    }

    static boolean isHttp(String protocol) {
        String p = protocol == null ? "" : protocol.toUpperCase(Locale.ROOT);
        return p.equals("HTTP") || appSpeaksHttp2(p);
    }

    /** Outbound clusters: see the class comment. */
    static void applyOutbound(Cluster.Builder c, MeshService service, int port) {
        MeshService.Port p = service.port(port);
        String protocol = p == null ? null : p.protocol();
        boolean allSidecars = "proxies".equals(service.origin());
        if (appSpeaksHttp2(protocol) || (allSidecars && isHttp(protocol))) {
            c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, HTTP2);
        } else if (p != null && p.detected() && !allSidecars) {
            // an h2c or gRPC client on an undeclared port keeps HTTP/2 to a server without a sidecar
            c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, DOWNSTREAM);
        }
    }

    /** The inbound cluster speaks the app's own protocol ({@code --app-protocol}). */
    static void applyInbound(Cluster.Builder c, String appProtocol) {
        if (appSpeaksHttp2(appProtocol)) {
            c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, HTTP2);
        }
    }
}
