package dev.weft.proxy.authz;

import dev.weft.dataplane.authz.ExtAuthzConfig;
import dev.weft.dataplane.config.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How the two ext_authz protocols' answers become allow / deny / error (Envoy's rules). */
class CheckOutcomeTest {
    private static final ExtAuthzConfig.HttpService HTTP = new ExtAuthzConfig.HttpService("c", "", List.of(), Map.of(),
            List.of(new StringMatcher.Prefix("x-authz-", true)), List.of(),
            List.of(new StringMatcher.Exact("x-trace", true)));

    private static ExtAuthzHttpClient.Answer answer(HttpResponseStatus status, String body, String... headers) {
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            response.headers().add(headers[i], headers[i + 1]);
        }
        response.headers().set("content-length", body.length()).set("connection", "keep-alive");
        return new ExtAuthzHttpClient.Answer(response, null);
    }

    @Test
    void httpOnly200AllowsAndOnlyTheAllowedHeadersPass() {
        CheckOutcome ok = HttpCheck.outcome(HTTP, answer(HttpResponseStatus.OK, "", "X-Authz-User", "alice",
                "x-other", "no", "x-trace", "t"));
        assertThat(ok.kind()).isEqualTo(CheckOutcome.Kind.ALLOWED);
        assertThat(ok.upstreamSet().names()).containsExactly("X-Authz-User");
        assertThat(ok.downstream().names()).containsExactly("x-trace");
        // Envoy's HTTP service: any status but 200 is a denial, 204 included
        CheckOutcome noContent = HttpCheck.outcome(HTTP, answer(HttpResponseStatus.NO_CONTENT, ""));
        assertThat(noContent.kind()).isEqualTo(CheckOutcome.Kind.DENIED);
        assertThat(noContent.status()).isEqualTo(204);
    }

    @Test
    void httpDenialKeepsItsStatusBodyAndWithoutAListEveryEndToEndHeader() {
        CheckOutcome denied = HttpCheck.outcome(HTTP, answer(HttpResponseStatus.UNAUTHORIZED, "no token",
                "www-authenticate", "Bearer", "content-type", "text/plain"));
        assertThat(denied.kind()).isEqualTo(CheckOutcome.Kind.DENIED);
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.body()).isEqualTo("no token");
        assertThat(denied.downstream().names()).containsExactlyInAnyOrder("www-authenticate", "content-type");
        assertThat(HttpCheck.outcome(HTTP, new ExtAuthzHttpClient.Answer(null, "timeout")).kind())
                .isEqualTo(CheckOutcome.Kind.ERROR);
    }

    @Test
    void grpcOkAppliesOkResponseAndDenialDefaultsTo403() {
        HeaderValueOption h = HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-user")
                .setValue("bob")).build();
        CheckOutcome ok = GrpcCheck.outcome(CheckResponse.newBuilder().setOkResponse(OkHttpResponse.newBuilder()
                .addHeaders(h).addHeadersToRemove("x-drop").addResponseHeadersToAdd(h)).build());
        assertThat(ok.kind()).isEqualTo(CheckOutcome.Kind.ALLOWED);
        assertThat(ok.upstreamSet().get("x-user")).isEqualTo("bob");
        assertThat(ok.upstreamRemove()).containsExactly("x-drop");
        assertThat(ok.downstream().get("x-user")).isEqualTo("bob");

        CheckOutcome denied = GrpcCheck.outcome(CheckResponse.newBuilder()
                .setStatus(com.google.rpc.Status.newBuilder().setCode(7))
                .setDeniedResponse(DeniedHttpResponse.newBuilder().setBody("nope").addHeaders(h)).build());
        assertThat(denied.kind()).isEqualTo(CheckOutcome.Kind.DENIED);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("nope");
        assertThat(denied.downstream().get("x-user")).isEqualTo("bob");
    }
}
