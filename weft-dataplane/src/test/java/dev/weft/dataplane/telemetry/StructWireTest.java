package dev.weft.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.dataplane.xds.NodeIdentity;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written Struct encoding is protobuf's: checked against the generated classes both ways. */
class StructWireTest {
    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("NAME", "reviews-v2");
        m.put("LABELS", Map.of("app", "reviews", "version", "v2"));
        m.put("PORT", 9080);
        m.put("ON", true);
        m.put("NOTHING", null);
        m.put("UPSTREAMS", Arrays.asList("a=1", 2.5, List.of(), Map.of()));
        m.put("", "");
        return m;
    }

    private static Struct generated() {
        return Struct.newBuilder()
                .putFields("NAME", Value.newBuilder().setStringValue("reviews-v2").build())
                .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("app", Value.newBuilder().setStringValue("reviews").build())
                        .putFields("version", Value.newBuilder().setStringValue("v2").build())).build())
                .putFields("PORT", Value.newBuilder().setNumberValue(9080).build())
                .putFields("ON", Value.newBuilder().setBoolValue(true).build())
                .putFields("NOTHING", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
                .putFields("UPSTREAMS", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue("a=1"))
                        .addValues(Value.newBuilder().setNumberValue(2.5))
                        .addValues(Value.newBuilder().setListValue(ListValue.getDefaultInstance()))
                        .addValues(Value.newBuilder().setStructValue(Struct.getDefaultInstance()))).build())
                .putFields("", Value.newBuilder().setStringValue("").build())
                .build();
    }

    @Test
    void encodesWhatProtobufParsesAsTheSameStruct() throws Exception {
        assertThat(Struct.parseFrom(StructWire.encode(sample(), "m"))).isEqualTo(generated());
    }

    @Test
    void decodesWhatProtobufSerialized() throws Exception {
        Map<String, Object> decoded = StructWire.decode(generated().toByteArray());
        assertThat(decoded).containsEntry("NAME", "reviews-v2").containsEntry("PORT", 9080.0)
                .containsEntry("ON", true).containsEntry("NOTHING", null).containsEntry("", "")
                .containsEntry("LABELS", Map.of("app", "reviews", "version", "v2"))
                .containsEntry("UPSTREAMS", List.of("a=1", 2.5, List.of(), Map.of()));
        assertThat(decoded).hasSize(7);
    }

    @Test
    void rejectsBytesThatAreNoStructAndValuesItCannotHold() {
        assertThatThrownBy(() -> StructWire.decode(new byte[] {0x0a, 0x05, 0x0a}))
                .isInstanceOf(InvalidProtocolBufferException.class);
        assertThatThrownBy(() -> StructWire.encode(Map.of("LABELS", Map.of("k", new Object())), "node metadata"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node metadata.LABELS.k");
    }

    @Test
    void theNodeWrittenByHandIsTheGeneratedNode() throws Exception {
        NodeIdentity id = NodeIdentity.sidecar("reviews", "default", "bookinfo-reviews",
                Map.of("app", "reviews", "version", "v2"), "10.0.0.7", 9080, 19080, "http", 15006, 15001,
                List.of("ratings:9080=16001"));
        assertThat(Node.parseFrom(id.toNodeBytes())).isEqualTo(id.toNode());
        NodeIdentity noCluster = new NodeIdentity("router~1", null, Map.of());
        assertThat(Node.parseFrom(noCluster.toNodeBytes())).isEqualTo(noCluster.toNode());
    }

    @Test
    void peerMetadataRoundTripsThroughTheExchangeEncoding() throws Exception {
        Workload self = Workload.fromLabels("reviews-v2", "default", "bookinfo-reviews",
                Map.of("app", "reviews", "version", "v2"));
        Struct asProtobufReadsIt = Struct.parseFrom(PeerMetadataCodec.struct(self));
        assertThat(asProtobufReadsIt.getFieldsOrThrow("NAMESPACE").getStringValue()).isEqualTo("default");
        assertThat(asProtobufReadsIt.getFieldsOrThrow("LABELS").getStructValue().getFieldsOrThrow("version")
                .getStringValue()).isEqualTo("v2");
        assertThat(PeerMetadataCodec.parseStruct(PeerMetadataCodec.struct(self))).isEqualTo(self);
        assertThat(PeerMetadataCodec.parseStruct(new byte[] {0x0a, 0x7f})).isEqualTo(Workload.UNKNOWN_WORKLOAD);
    }
}
