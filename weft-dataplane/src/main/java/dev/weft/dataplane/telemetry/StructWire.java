package dev.weft.dataplane.telemetry;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.weft.dataplane.wire.ProtoBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code google.protobuf.Struct} written and read on the wire by hand. The generated {@code Struct} keeps its
 * entries in a {@code map<>} field, and protobuf builds the descriptor of a map field's file the first time any
 * {@code Struct} is built, parsed or serialized: on a sidecar that was the only reason to load protobuf's descriptor
 * classes at all (with the node's {@code Struct} metadata in every xDS request and the metadata-exchange header).
 *
 * <p>Values map as {@code google.protobuf.Value} does: {@code null}, {@code Number} (a double), {@code String},
 * {@code Boolean}, {@code Map<String, ?>} (a nested Struct) and {@code List<?>} (a ListValue).
 */
public final class StructWire {
    // google/protobuf/struct.proto field numbers
    private static final int STRUCT_FIELDS = 1;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    private static final int VALUE_NULL = 1;
    private static final int VALUE_NUMBER = 2;
    private static final int VALUE_STRING = 3;
    private static final int VALUE_BOOL = 4;
    private static final int VALUE_STRUCT = 5;
    private static final int VALUE_LIST = 6;
    private static final int LIST_VALUES = 1;

    private StructWire() {}

    /**
     * The serialized Struct of {@code fields}.
     *
     * @param path names the map in the error for a value of another type (e.g. {@code node metadata})
     */
    public static byte[] encode(Map<?, ?> fields, String path) {
        return ProtoBytes.of(out -> {
            for (var e : fields.entrySet()) {
                String key = String.valueOf(e.getKey());
                byte[] value = value(e.getValue(), path + "." + key);
                out.writeByteArray(STRUCT_FIELDS, ProtoBytes.of(entry -> {
                    entry.writeString(ENTRY_KEY, key);
                    entry.writeByteArray(ENTRY_VALUE, value);
                }));
            }
        });
    }

    private static byte[] value(Object v, String path) {
        return switch (v) {
            case null -> ProtoBytes.of(out -> out.writeEnum(VALUE_NULL, 0));
            case String s -> ProtoBytes.of(out -> out.writeString(VALUE_STRING, s));
            case Boolean b -> ProtoBytes.of(out -> out.writeBool(VALUE_BOOL, b));
            case Number n -> ProtoBytes.of(out -> out.writeDouble(VALUE_NUMBER, n.doubleValue()));
            case Map<?, ?> m -> {
                byte[] struct = encode(m, path);
                yield ProtoBytes.of(out -> out.writeByteArray(VALUE_STRUCT, struct));
            }
            case List<?> list -> {
                List<byte[]> values = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    values.add(value(list.get(i), path + "[" + i + "]"));
                }
                byte[] listValue = ProtoBytes.of(out -> {
                    for (byte[] each : values) {
                        out.writeByteArray(LIST_VALUES, each);
                    }
                });
                yield ProtoBytes.of(out -> out.writeByteArray(VALUE_LIST, listValue));
            }
            default -> throw new IllegalArgumentException(path + ": unsupported value type " + v.getClass().getName());
        };
    }

    /**
     * The fields of a serialized Struct, in wire order (a repeated key: the last one, as protobuf's map parsing),
     * with values as {@link #encode} takes them; a value of no kind reads as {@code null}.
     */
    public static Map<String, Object> decode(byte[] bytes) throws InvalidProtocolBufferException {
        return decodeStruct(CodedInputStream.newInstance(bytes));
    }

    private static Map<String, Object> decodeStruct(CodedInputStream in) throws InvalidProtocolBufferException {
        Map<String, Object> fields = new LinkedHashMap<>();
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag != wireTag(STRUCT_FIELDS, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    in.skipField(tag);
                    continue;
                }
                CodedInputStream entry = in.readBytes().newCodedInput();
                String key = "";
                Object value = null;
                for (int t = entry.readTag(); t != 0; t = entry.readTag()) {
                    if (t == wireTag(ENTRY_KEY, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        key = entry.readStringRequireUtf8();
                    } else if (t == wireTag(ENTRY_VALUE, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        value = decodeValue(entry.readBytes().newCodedInput());
                    } else {
                        entry.skipField(t);
                    }
                }
                fields.put(key, value);
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return fields;
    }

    private static Object decodeValue(CodedInputStream in) throws IOException {
        Object value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            int type = WireFormat.getTagWireType(tag);
            if (field == VALUE_NULL && type == WireFormat.WIRETYPE_VARINT) {
                in.readEnum();
                value = null;
            } else if (field == VALUE_NUMBER && type == WireFormat.WIRETYPE_FIXED64) {
                value = in.readDouble();
            } else if (field == VALUE_STRING && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                value = in.readStringRequireUtf8();
            } else if (field == VALUE_BOOL && type == WireFormat.WIRETYPE_VARINT) {
                value = in.readBool();
            } else if (field == VALUE_STRUCT && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                value = decodeStruct(in.readBytes().newCodedInput());
            } else if (field == VALUE_LIST && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                CodedInputStream list = in.readBytes().newCodedInput();
                List<Object> values = new ArrayList<>();
                for (int t = list.readTag(); t != 0; t = list.readTag()) {
                    if (t == wireTag(LIST_VALUES, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                        values.add(decodeValue(list.readBytes().newCodedInput()));
                    } else {
                        list.skipField(t);
                    }
                }
                value = values;
            } else {
                in.skipField(tag);
            }
        }
        return value;
    }

    private static int wireTag(int field, int wireType) {
        return field << 3 | wireType;
    }
}
