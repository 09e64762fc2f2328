package dev.weft.controlplane.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Renders generated xDS resources as stable, readable JSON (golden files, debug dumps). */
public final class ResourceJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(HttpConnectionManager.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                    .add(Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                            .getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector.getDescriptor())
                    .build());

    private ResourceJson() {}

    /** Every resource of every type the proxy gets, as {@code {"clusters": {name: resource}, ...}}. */
    public static String render(Generators generators, PushContext context, ProxyNode proxy) {
        ObjectNode root = MAPPER.createObjectNode();
        for (XdsType type : XdsType.values()) {
            ObjectNode byName = root.putObject(label(type));
            for (Map.Entry<String, Message> e : generators.forType(type).generate(context, proxy).entrySet()) {
                byName.set(e.getKey(), tree(e.getValue()));
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode tree(Message message) {
        try {
            return MAPPER.readTree(PRINTER.print(message));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot render " + message.getDescriptorForType().getFullName(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String label(XdsType type) {
        return switch (type) {
            case CLUSTER -> "clusters";
            case ENDPOINT -> "endpoints";
            case LISTENER -> "listeners";
            case ROUTE -> "routes";
        };
    }
}
