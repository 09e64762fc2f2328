package dev.weft.dataplane.wire;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A protobuf message written field by field into bytes. Used where the generated message would build protobuf
 * descriptors when serialized (its {@code map<>} fields): the xDS node, delta requests, {@code Struct}s.
 */
public final class ProtoBytes {
    private ProtoBytes() {}

    /** Writes a message's fields. */
    public interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    public static byte[] of(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            fields.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }
}
