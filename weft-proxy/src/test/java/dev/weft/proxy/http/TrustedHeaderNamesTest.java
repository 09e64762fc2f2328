package dev.weft.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TrustedHeaderNamesTest {
    @Test
    void ownConstantsAndNettysAreTrustedByIdentityOnly() {
        assertThat(TrustedHeaderNames.isTrusted(RequestIdFilter.X_REQUEST_ID)).isTrue();
        assertThat(TrustedHeaderNames.isTrusted(HttpHeaderNames.HOST)).isTrue();
        // the same text in another instance (or a String) is not trusted: it is validated as usual
        assertThat(TrustedHeaderNames.isTrusted(new AsciiString("x-request-id"))).isFalse();
        assertThat(TrustedHeaderNames.isTrusted("x-request-id")).isFalse();
    }

    @Test
    void anInvalidConstantFailsWhenRegisteredNotOnARequest() {
        assertThatThrownBy(() -> TrustedHeaderNames.of("x bad")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedHeaderNames.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headersOfTheFactoryStillRejectInvalidNamesFromAnywhereElse() {
        HttpHeaders headers = TrustedHeaderNames.HEADERS.newHeaders();
        headers.set(RequestIdFilter.X_REQUEST_ID, "1").set("x-valid", "2");
        assertThat(headers.get("x-request-id")).isEqualTo("1");
        assertThatThrownBy(() -> headers.add("x@bad", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> headers.set(new AsciiString("x\u0001y"), "v"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constantValuesAreTrustedByIdentityOthersValidated() {
        AsciiString metadata = TrustedHeaderNames.value("ChIKBE5BTUUSChoIcmV2aWV3cw==");
        assertThat((Object) TrustedHeaderNames.value("ChIKBE5BTUUSChoIcmV2aWV3cw==")).isSameAs(metadata);
        HttpHeaders headers = TrustedHeaderNames.HEADERS.newHeaders();
        headers.set("x-envoy-peer-metadata", metadata);
        assertThat(headers.get("x-envoy-peer-metadata")).isEqualTo("ChIKBE5BTUUSChoIcmV2aWV3cw==");
        assertThatThrownBy(() -> headers.set("x-a", "bad\r\nvalue")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedHeaderNames.value("bad\nvalue")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDecoderStillRefusesARequestWithAnInvalidHeaderName() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(
                new HttpDecoderConfig().setHeadersFactory(TrustedHeaderNames.HEADERS)));
        ByteBuf bytes = Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\nx@smuggle: 1\r\n\r\n",
                StandardCharsets.US_ASCII);
        ch.writeInbound(bytes);
        HttpRequest request = ch.readInbound();
        assertThat(request.decoderResult().isFailure()).isTrue();
        ch.finishAndReleaseAll();
    }
}
