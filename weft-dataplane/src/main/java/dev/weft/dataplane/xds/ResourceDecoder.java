package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * Turns one {@code Any} of a DiscoveryResponse into its name and parsed record, by type URL (compared as a string and
 * parsed with the generated parser: see {@link TypedAny} for why not {@code Any.unpack}).
 */
final class ResourceDecoder {
    /** The delta protocol's wrapper ({@code envoy.service.discovery.v3.Resource}), also allowed in SotW responses. */
    static final String RESOURCE_WRAPPER = TypedAny.url("envoy.service.discovery.v3.Resource");

    record Decoded(String name, Object config) {}

    private ResourceDecoder() {}

    static Decoded decode(Any any, String typeUrl) throws ResourceRejectedException {
        Any resource = unwrap(any, typeUrl);
        return switch (typeUrl) {
            case XdsTypes.LISTENER -> {
                Listener l = unpack(resource, Listener.parser(), "Listener");
                yield new Decoded(l.getName(), ListenerParser.parse(l));
            }
            case XdsTypes.ROUTE -> {
                RouteConfiguration r = unpack(resource, RouteConfiguration.parser(), "RouteConfiguration");
                yield new Decoded(r.getName(), RouteConfigurationParser.parse(r, WireFields.contains(resource.getValue(),
                        RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER, VirtualHost.ROUTES_FIELD_NUMBER,
                        Route.TYPED_PER_FILTER_CONFIG_FIELD_NUMBER)));
            }
            case XdsTypes.CLUSTER -> {
                // map fields read by hand (the generated maps build the descriptors of 25 files):
                // typed_extension_protocol_options and the inline endpoints' metadata
                try {
                    WireFields.Split split = WireFields.split(resource.getValue(),
                            Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER);
                    WireFields.Extracted inline = ClusterLoadAssignmentParser.metadataFromWire(split.rest(),
                            Cluster.LOAD_ASSIGNMENT_FIELD_NUMBER, ClusterLoadAssignment.ENDPOINTS_FIELD_NUMBER,
                            LocalityLbEndpoints.LB_ENDPOINTS_FIELD_NUMBER);
                    Cluster c = Cluster.parseFrom(inline.rest());
                    yield new Decoded(c.getName(), ClusterParser.parse(c, WireFields.stringToAny(split.removed()),
                            ClusterLoadAssignmentParser.weftMetadata(inline.taken())));
                } catch (InvalidProtocolBufferException e) {
                    throw new ResourceRejectedException("Cluster", "", "", "cannot decode: " + e.getMessage());
                }
            }
            case XdsTypes.ENDPOINT -> {
                // the endpoints' metadata read by hand, as a cluster's
                try {
                    WireFields.Extracted split = ClusterLoadAssignmentParser.metadataFromWire(resource.getValue(),
                            ClusterLoadAssignment.ENDPOINTS_FIELD_NUMBER, LocalityLbEndpoints.LB_ENDPOINTS_FIELD_NUMBER);
                    ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(split.rest());
                    yield new Decoded(cla.getClusterName(), ClusterLoadAssignmentParser.parse(cla,
                            ClusterLoadAssignmentParser.weftMetadata(split.taken())));
                } catch (InvalidProtocolBufferException e) {
                    throw new ResourceRejectedException("ClusterLoadAssignment", "", "",
                            "cannot decode: " + e.getMessage());
                }
            }
            default -> throw new ResourceRejectedException(typeUrl, "", "", "unsupported resource type");
        };
    }

    /** The resource's name without validating it (for reading the disk cache). */
    static String name(Any any, String typeUrl) throws InvalidProtocolBufferException {
        Any resource = any.getTypeUrl().equals(RESOURCE_WRAPPER) ? Resource.parseFrom(any.getValue()).getResource() : any;
        if (!resource.getTypeUrl().equals(typeUrl)) {
            throw new InvalidProtocolBufferException("a resource of type " + resource.getTypeUrl() + " among " + typeUrl);
        }
        return switch (typeUrl) {
            case XdsTypes.LISTENER -> Listener.parseFrom(resource.getValue()).getName();
            case XdsTypes.ROUTE -> RouteConfiguration.parseFrom(resource.getValue()).getName();
            case XdsTypes.CLUSTER -> Cluster.parseFrom(WireFields.split(resource.getValue(),
                    Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER).rest()).getName();
            case XdsTypes.ENDPOINT -> ClusterLoadAssignment.parseFrom(ClusterLoadAssignmentParser.metadataFromWire(
                    resource.getValue(), ClusterLoadAssignment.ENDPOINTS_FIELD_NUMBER,
                    LocalityLbEndpoints.LB_ENDPOINTS_FIELD_NUMBER).rest()).getClusterName();
            default -> throw new InvalidProtocolBufferException("unsupported resource type " + typeUrl);
        };
    }

    private static Any unwrap(Any any, String typeUrl) throws ResourceRejectedException {
        Any resource = any;
        if (any.getTypeUrl().equals(RESOURCE_WRAPPER)) {
            resource = unpack(any, Resource.parser(), "Resource").getResource();
        }
        if (!resource.getTypeUrl().equals(typeUrl)) {
            throw new ResourceRejectedException(XdsTypes.shortName(typeUrl), "", "",
                    "response for " + typeUrl + " carries a resource of type " + resource.getTypeUrl());
        }
        return resource;
    }

    /** The type URL was checked by the caller. */
    private static <T> T unpack(Any any, com.google.protobuf.Parser<T> parser, String kind)
            throws ResourceRejectedException {
        try {
            return parser.parseFrom(any.getValue());
        } catch (InvalidProtocolBufferException e) {
            throw new ResourceRejectedException(kind, "", "", "cannot decode: " + e.getMessage());
        }
    }
}
