package dev.weft.proxy.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.telemetry.Workload;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceHeadersTest {
    private static Tracing tracing(double samplingPercent) {
        return new Tracing(Workload.fromLabels("reviews-v1", "default", "default", Map.of("app", "reviews")), "node",
                new TelemetryOptions("reviews-v1", null, null, null, null, samplingPercent));
    }

    @Test
    void w3cContextIsContinuedWithThisHopAsParent() {
        HttpHeaders h = new DefaultHttpHeaders().set("traceparent",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01").set("tracestate", "vendor=x");
        Tracing.Span span = tracing(0).onRequest(h, TrafficDirection.INBOUND);
        assertThat(span.traceId).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(span.parentSpanId).isEqualTo("00f067aa0ba902b7");
        assertThat(span.sampled).as("the caller's decision wins over 0%").isTrue();
        assertThat(h.get("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + span.spanId + "-01");
        assertThat(h.get("tracestate")).isEqualTo("vendor=x");
        assertThat(h.contains("x-b3-traceid")).as("no B3 added to a W3C-only trace").isFalse();
    }

    @Test
    void b3MultiHeadersAreContinuedInB3AndW3c() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-b3-traceid", "463ac35c9f6413ad")
                .set("x-b3-spanid", "a2fb4a1d1a96d312").set("x-b3-sampled", "0");
        Tracing.Span span = tracing(100).onRequest(h, TrafficDirection.OUTBOUND);
        assertThat(span.traceId).isEqualTo("0000000000000000463ac35c9f6413ad");
        assertThat(span.sampled).as("the caller said no").isFalse();
        assertThat(h.get("x-b3-traceid")).isEqualTo(span.traceId);
        assertThat(h.get("x-b3-spanid")).isEqualTo(span.spanId);
        assertThat(h.get("x-b3-parentspanid")).isEqualTo("a2fb4a1d1a96d312");
        assertThat(h.get("x-b3-sampled")).isEqualTo("0");
        assertThat(h.get("traceparent")).endsWith("-00");
    }

    @Test
    void b3SingleHeaderIsContinuedInItsOwnForm() {
        HttpHeaders h = new DefaultHttpHeaders().set("b3",
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90");
        Tracing.Span span = tracing(0).onRequest(h, TrafficDirection.OUTBOUND);
        assertThat(span.traceId).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
        assertThat(span.parentSpanId).isEqualTo("e457b5a2e4d86bd1");
        assertThat(span.sampled).isTrue();
        assertThat(h.get("b3")).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7-" + span.spanId + "-1-e457b5a2e4d86bd1");
    }

    @Test
    void aNewTraceIsStartedWhenHeadersAreAbsentOrInvalid() {
        HttpHeaders h = new DefaultHttpHeaders().set("traceparent", "00-00000000000000000000000000000000-"
                + "00f067aa0ba902b7-01");
        Tracing.Span span = tracing(100).onRequest(h, TrafficDirection.OUTBOUND);
        assertThat(span.traceId).hasSize(32).isNotEqualTo("00000000000000000000000000000000");
        assertThat(span.parentSpanId).isNull();
        assertThat(span.sampled).isTrue();
        assertThat(h.get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(h.get("x-b3-traceid")).isEqualTo(span.traceId);
        assertThat(h.get("x-b3-sampled")).isEqualTo("1");
    }

    @Test
    void traceparentIsReadByItsFixedOffsets() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parent = "00f067aa0ba902b7";
        // a later version may append fields after the flags; the flags' low bit is the sampled flag
        assertThat(TraceHeaders.read(w3c("01-" + trace + "-" + parent + "-03-extra")))
                .isEqualTo(new TraceHeaders.Incoming(trace, parent, true, true, false, false));
        assertThat(TraceHeaders.read(w3c("00-" + trace + "-" + parent + "-02")).sampled()).isFalse();
        for (String invalid : new String[] {
                "ff-" + trace + "-" + parent + "-01", // version ff is invalid
                "00-" + trace + "-" + parent + "-1", // flags too short
                "00-" + trace + "-" + parent + "-011", // flags too long
                "00-" + trace + "-" + parent + "-0g", // flags not hex
                "00-" + trace + "0-" + parent.substring(1) + "-01", // dash in the wrong place
                "00-" + trace.substring(1) + "x-" + parent + "-01", // trace id not hex
                "00-" + trace + "-0000000000000000-01", // all-zero parent
                "000-" + trace + "-" + parent + "-01", // version too long
                "00-" + trace + "-" + parent}) { // no flags
            assertThat(TraceHeaders.read(w3c(invalid))).as(invalid).isNull();
        }
    }

    private static HttpHeaders w3c(String traceparent) {
        return new DefaultHttpHeaders().set("traceparent", traceparent);
    }

    @Test
    void newTraceIdsAre32LowerCaseHexDigits() {
        assertThat(Tracing.hex(0x0123456789abcdefL, -1L)).isEqualTo("0123456789abcdefffffffffffffffff");
        assertThat(Tracing.hex(0, 1)).isEqualTo("00000000000000000000000000000001");
    }

    @Test
    void samplingRateAppliesToNewTraces() {
        Tracing half = tracing(50);
        int sampled = 0;
        for (int i = 0; i < 4000; i++) {
            sampled += half.onRequest(new DefaultHttpHeaders(), TrafficDirection.OUTBOUND).sampled ? 1 : 0;
        }
        assertThat(sampled).isBetween(1700, 2300);
        assertThat(tracing(0).onRequest(new DefaultHttpHeaders(), TrafficDirection.OUTBOUND).sampled).isFalse();
    }
}
