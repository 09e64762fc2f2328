package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/** Turns one {@code Any} of a DiscoveryResponse into its name and parsed record, by type URL. */
final class ResourceDecoder {
    private static final String RESOURCE_WRAPPER = "type.googleapis.com/" + Resource.getDescriptor().getFullName();

    record Decoded(String name, Object config) {}

    private ResourceDecoder() {}

    static Decoded decode(Any any, String typeUrl) throws ResourceRejectedException {
        Any resource = unwrap(any, typeUrl);
        return switch (typeUrl) {
            case XdsTypes.LISTENER -> {
                Listener l = unpack(resource, Listener.class, "Listener");
                yield new Decoded(l.getName(), ListenerParser.parse(l));
            }
            case XdsTypes.ROUTE -> {
                RouteConfiguration r = unpack(resource, RouteConfiguration.class, "RouteConfiguration");
                yield new Decoded(r.getName(), RouteConfigurationParser.parse(r));
            }
            case XdsTypes.CLUSTER -> {
                Cluster c = unpack(resource, Cluster.class, "Cluster");
                yield new Decoded(c.getName(), ClusterParser.parse(c));
            }
            case XdsTypes.ENDPOINT -> {
                ClusterLoadAssignment cla = unpack(resource, ClusterLoadAssignment.class, "ClusterLoadAssignment");
                yield new Decoded(cla.getClusterName(), ClusterLoadAssignmentParser.parse(cla));
            }
            default -> throw new ResourceRejectedException(typeUrl, "", "", "unsupported resource type");
        };
    }

    /** The resource's name without validating it (for reading the disk cache). */
    static String name(Any any, String typeUrl) throws InvalidProtocolBufferException {
        Any resource = any.getTypeUrl().equals(RESOURCE_WRAPPER) ? any.unpack(Resource.class).getResource() : any;
        return switch (typeUrl) {
            case XdsTypes.LISTENER -> resource.unpack(Listener.class).getName();
            case XdsTypes.ROUTE -> resource.unpack(RouteConfiguration.class).getName();
            case XdsTypes.CLUSTER -> resource.unpack(Cluster.class).getName();
            case XdsTypes.ENDPOINT -> resource.unpack(ClusterLoadAssignment.class).getClusterName();
            default -> throw new InvalidProtocolBufferException("unsupported resource type " + typeUrl);
        };
    }

    private static Any unwrap(Any any, String typeUrl) throws ResourceRejectedException {
        Any resource = any;
        if (any.getTypeUrl().equals(RESOURCE_WRAPPER)) {
            resource = unpack(any, Resource.class, "Resource").getResource();
        }
        if (!resource.getTypeUrl().equals(typeUrl)) {
            throw new ResourceRejectedException(XdsTypes.shortName(typeUrl), "", "",
                    "response for " + typeUrl + " carries a resource of type " + resource.getTypeUrl());
        }
        return resource;
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type, String kind)
            throws ResourceRejectedException {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new ResourceRejectedException(kind, "", "", "cannot decode: " + e.getMessage());
        }
    }
}
