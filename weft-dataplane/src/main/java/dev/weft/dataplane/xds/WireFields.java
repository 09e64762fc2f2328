package dev.weft.dataplane.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Whether a serialized message carries a field, read from its bytes. A generated message builds the descriptors of
 * its .proto file (and of every file that imports) the first time one of its {@code map<>} fields is read, even an
 * empty one: {@code Cluster.typed_extension_protocol_options} 25 files, {@code Route.typed_per_filter_config} 11.
 * Parsing builds them only when the field is on the wire, so a parser that asks the map only then keeps a sidecar
 * whose control plane never sends the field free of protobuf's descriptors.
 */
final class WireFields {
    private WireFields() {}

    /**
     * Whether {@code message} has field {@code path[last]} inside any occurrence of the embedded messages
     * {@code path[0]}, {@code path[1]}, ... (repeated ones included), e.g. {@code virtual_hosts, routes,
     * typed_per_filter_config}. Bytes that do not parse answer true: the caller then asks the message itself.
     */
    static boolean contains(ByteString message, int... path) {
        try {
            return contains(message.newCodedInput(), path, 0);
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean contains(CodedInputStream in, int[] path, int depth) throws IOException {
        boolean last = depth == path.length - 1;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) != path[depth]) {
                in.skipField(tag);
            } else if (last) {
                return true;
            } else if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                if (contains(in, path, depth + 1)) {
                    return true;
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return false;
    }
}
