package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/**
 * Reads the message inside an {@code Any} by its type URL and the generated parser alone. protobuf's
 * {@code Any.unpack}/{@code Any.is} (and {@code X.getDescriptor()}) compare the type through the message's
 * descriptor: that builds the descriptors of its .proto file and of every file it imports, and initializes the
 * reflective accessors of every field of the type (thousands of {@code java.lang.reflect.Method}s on a sidecar's
 * heap). Parsing needs neither, so the parsers check type names as strings (the constants below are checked
 * against the descriptors in the tests) and keep reflection ({@code getAllFields}) for the error path.
 */
final class TypedAny {
    static final String PREFIX = "type.googleapis.com/";

    private TypedAny() {}

    /** The type URL of a message type, from its full name (e.g. {@code envoy.config.cluster.v3.Cluster}). */
    static String url(String fullName) {
        return PREFIX + fullName;
    }

    /** As {@code Any.is}: the part of the type URL after its last '/' is the full name of {@code typeUrl}'s type. */
    static boolean holds(Any any, String typeUrl) {
        String url = any.getTypeUrl();
        String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
        int slash = url.lastIndexOf('/');
        return url.length() - slash - 1 == name.length() && url.endsWith(name);
    }

    /** The message inside {@code any}, which must be of {@code typeUrl}'s type; otherwise a NACK naming {@code path}. */
    static <T extends Message> T unpack(Any any, String typeUrl, Parser<T> parser, Rejector reject, String path)
            throws ResourceRejectedException {
        if (!holds(any, typeUrl)) {
            throw reject.at(path, "expected " + typeUrl + ", got " + any.getTypeUrl());
        }
        try {
            return parser.parseFrom(any.getValue());
        } catch (InvalidProtocolBufferException e) {
            throw reject.at(path, "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
        }
    }

    /**
     * The name of a field set in {@code rest} (a message with every supported field cleared), or null when none is
     * (fields unknown to this proto version do not count). Only a message that is not empty is asked by reflection,
     * so reflection runs on the NACK path alone.
     */
    static String firstSetField(Message rest) {
        java.util.List<String> set = setFields(rest);
        return set.isEmpty() ? null : set.get(0);
    }

    /** Every field set in {@code rest}, by name, in field order (for a NACK that lists them); empty when none is. */
    static java.util.List<String> setFields(Message rest) {
        if (rest.equals(rest.getDefaultInstanceForType())) {
            return java.util.List.of();
        }
        return rest.getAllFields().keySet().stream().map(f -> f.getName()).toList();
    }
}
