package dev.weft.dataplane.xds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Renders applied xDS resources and the client's status as JSON for the admin {@code /config_dump}. */
public final class ConfigDump {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(Listener.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(Cluster.getDescriptor())
            // typed_extension_protocol_options of HTTP/2 clusters (without it those clusters render as errors)
            .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
            .add(Router.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor()) // CUSTOM
            // transport_socket typed_config of mesh mTLS clusters and inbound listeners
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog.getDescriptor()) // Telemetry API
            .add(Resource.getDescriptor())
            // typed_config of a route retry policy's retry_host_predicate
            .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
            .build();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES);

    private ConfigDump() {}

    /**
     * {@code {"status": {...}, "resources": {"<short type>": {"type_url", "version", "resources": [...]}}}}; a
     * resource embedding a type this build does not know is shown with an error instead of failing the dump.
     */
    public static String toJson(AppliedResources applied, XdsStatus status) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode st = root.putObject("status");
        st.put("connection", status.connection().name());
        st.put("control_plane", status.controlPlane());
        st.put("warm", status.warm());
        st.put("loaded_from_cache", status.loadedFromCache());
        st.put("last_update", status.lastUpdate() == null ? null : status.lastUpdate().toString());
        st.put("reconnects", status.reconnects());
        st.put("last_stream_error", status.lastStreamError());
        ObjectNode versions = st.putObject("versions");
        status.appliedVersions().forEach(versions::put);
        ObjectNode nacks = st.putObject("last_nacks");
        status.lastNacks().forEach(nacks::put);
        ObjectNode resources = root.putObject("resources");
        for (String type : XdsTypes.ALL) {
            AppliedResources.TypeResources tr = applied.byType().get(type);
            if (tr == null) {
                continue;
            }
            ObjectNode t = resources.putObject(XdsTypes.shortName(type));
            t.put("type_url", type);
            t.put("version", tr.version());
            ArrayNode list = t.putArray("resources");
            for (var e : tr.resources().entrySet()) {
                list.add(render(e.getKey(), e.getValue()));
            }
        }
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode render(String name, Any any) {
        try {
            return MAPPER.readTree(PRINTER.print(any));
        } catch (InvalidProtocolBufferException e) {
            ObjectNode n = MAPPER.createObjectNode();
            n.put("name", name);
            n.put("@type", any.getTypeUrl());
            n.put("error", "cannot render as JSON: " + e.getMessage());
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
