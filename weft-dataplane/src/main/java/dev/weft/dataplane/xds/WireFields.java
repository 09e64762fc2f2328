package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.weft.dataplane.telemetry.StructWire;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a serialized message carries a field, read from its bytes. A generated message builds the descriptors of
 * its .proto file (and of every file that imports) the first time one of its {@code map<>} fields is read, even an
 * empty one: {@code Cluster.typed_extension_protocol_options} 25 files, {@code Route.typed_per_filter_config} 11.
 * Parsing builds them only when the field is on the wire, so a parser that asks the map only then keeps a sidecar
 * whose control plane never sends the field free of protobuf's descriptors. A map field a control plane always sends
 * ({@code typed_extension_protocol_options} of inbound clusters) is taken off the bytes and read here instead
 * ({@link #split}, {@link #stringToAny}).
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

    /** A message's bytes without one field, and that field's payloads in wire order. */
    record Split(ByteString rest, List<ByteString> removed) {}

    /** {@code message} without field {@code number} (a length-delimited field: a message, string or map entry). */
    static Split split(ByteString message, int number) throws InvalidProtocolBufferException {
        List<ByteString> removed = new ArrayList<>();
        ByteString rest = ByteString.EMPTY;
        CodedInputStream in = message.newCodedInput();
        try {
            int kept = 0;
            while (true) {
                int start = in.getTotalBytesRead();
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (WireFormat.getTagFieldNumber(tag) == number
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    rest = rest.concat(message.substring(kept, start));
                    removed.add(in.readBytes());
                    kept = in.getTotalBytesRead();
                } else {
                    in.skipField(tag);
                }
            }
            return removed.isEmpty() ? new Split(message, removed)
                    : new Split(rest.concat(message.substring(kept)), removed);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    /** The {@code map<string, google.protobuf.Any>} whose entries {@link #split} took off (a repeated key: the last). */
    static Map<String, Any> stringToAny(List<ByteString> entries) throws InvalidProtocolBufferException {
        Map<String, Any> map = new LinkedHashMap<>();
        try {
            for (ByteString entry : entries) {
                CodedInputStream in = entry.newCodedInput();
                String key = "";
                Any value = Any.getDefaultInstance();
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (tag == (1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        key = in.readStringRequireUtf8();
                    } else if (tag == (2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        value = Any.parseFrom(in.readBytes());
                    } else {
                        in.skipField(tag);
                    }
                }
                map.put(key, value);
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return map;
    }

    /** {@link #extract}'s result: the rewritten bytes and, per occurrence of the path's message, its field or null. */
    record Extracted(ByteString rest, List<ByteString> taken) {}

    /**
     * {@code message} with field {@code number} taken off every embedded message at {@code path} (repeated ones
     * included, e.g. {@code endpoints, lb_endpoints} of a ClusterLoadAssignment): per such message in wire order, the
     * field's payload (several occurrences concatenated, which protobuf merges alike) or null when it had none.
     */
    static Extracted extract(ByteString message, int number, int... path) throws InvalidProtocolBufferException {
        List<ByteString> taken = new ArrayList<>();
        try {
            ByteString rest = rewrite(message, number, path, 0, taken);
            return new Extracted(rest, taken);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private static ByteString rewrite(ByteString message, int number, int[] path, int depth, List<ByteString> taken)
            throws IOException {
        if (depth == path.length) {
            Split split = split(message, number);
            taken.add(split.removed().isEmpty() ? null
                    : split.removed().stream().reduce(ByteString.EMPTY, ByteString::concat));
            return split.rest();
        }
        ByteString.Output bytes = ByteString.newOutput(message.size());
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
        CodedInputStream in = message.newCodedInput();
        while (true) {
            int start = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            if (WireFormat.getTagFieldNumber(tag) == path[depth]
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                out.writeBytes(path[depth], rewrite(in.readBytes(), number, path, depth + 1, taken));
            } else {
                in.skipField(tag);
                out.writeRawBytes(message.substring(start, in.getTotalBytesRead()));
            }
        }
        out.flush();
        return bytes.toByteString();
    }

    /**
     * The {@code filter_metadata} of a serialized {@code envoy.config.core.v3.Metadata} ({@code map<string, Struct>}),
     * read by hand ({@link StructWire}): the generated map builds the descriptors of base.proto and its imports.
     */
    static Map<String, Map<String, Object>> filterMetadata(ByteString metadata) throws InvalidProtocolBufferException {
        Map<String, Map<String, Object>> filters = new LinkedHashMap<>();
        try {
            CodedInputStream in = metadata.newCodedInput();
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag != (io.envoyproxy.envoy.config.core.v3.Metadata.FILTER_METADATA_FIELD_NUMBER << 3
                        | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    in.skipField(tag);
                    continue;
                }
                CodedInputStream entry = in.readBytes().newCodedInput();
                String key = "";
                Map<String, Object> value = Map.of();
                for (int t = entry.readTag(); t != 0; t = entry.readTag()) {
                    if (t == (1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        key = entry.readStringRequireUtf8();
                    } else if (t == (2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        value = StructWire.decode(entry.readByteArray());
                    } else {
                        entry.skipField(t);
                    }
                }
                filters.put(key, value); // a repeated key: the last one, as protobuf's map parsing
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return filters;
    }
}
