package dev.weft.proxy.authz;

import com.google.protobuf.Timestamp;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.proxy.http.HttpExchange;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Envoy's gRPC ext_authz protocol ({@code envoy.service.auth.v3.Authorization/Check}): the request's attributes go in
 * a CheckRequest (peer and local addresses, the peer's SPIFFE ID, method, path, host, every header); an OK status
 * allows with {@code ok_response}'s header changes, anything else denies with {@code denied_response}'s status
 * (403 when unset), headers and body.
 */
final class GrpcCheck {
    private static final int GRPC_OK = 0;

    private GrpcCheck() {}

    static CheckRequest request(HttpExchange exchange, AuthzRequest authz, Channel connection) {
        Map<String, String> headers = new TreeMap<>();
        headers.put(":authority", exchange.authority());
        headers.put(":method", exchange.method());
        headers.put(":path", exchange.path());
        for (Map.Entry<String, String> h : exchange.requestHeaders()) {
            headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b);
        }
        Instant now = Instant.now();
        String requestId = exchange.header("x-request-id");
        AttributeContext.Builder attributes = AttributeContext.newBuilder()
                .setSource(peer(connection.remoteAddress(), authz.peerPrincipal()))
                .setDestination(peer(connection.localAddress(), null))
                .setRequest(AttributeContext.Request.newBuilder()
                        .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                        .setHttp(AttributeContext.HttpRequest.newBuilder()
                                .setId(requestId == null ? "" : requestId)
                                .setMethod(exchange.method())
                                .setPath(exchange.path())
                                .setHost(exchange.authority())
                                .setScheme(exchange.scheme())
                                .setProtocol(exchange.protocolVersion())
                                .putAllHeaders(headers)));
        return CheckRequest.newBuilder().setAttributes(attributes).build();
    }

    private static AttributeContext.Peer peer(java.net.SocketAddress address, String principal) {
        AttributeContext.Peer.Builder peer = AttributeContext.Peer.newBuilder();
        if (address instanceof InetSocketAddress a && a.getAddress() != null) {
            peer.setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                    .setAddress(a.getAddress().getHostAddress()).setPortValue(a.getPort())));
        }
        if (principal != null) {
            peer.setPrincipal(principal);
        }
        return peer.build();
    }

    /** Turns the call's one response or error into an outcome for {@code done}. */
    static StreamObserver<CheckResponse> observer(Consumer<CheckOutcome> done) {
        return new StreamObserver<>() {
            private boolean answered;

            @Override
            public void onNext(CheckResponse response) {
                answered = true;
                done.accept(outcome(response));
            }

            @Override
            public void onError(Throwable t) {
                if (!answered) {
                    answered = true;
                    done.accept(CheckOutcome.error(io.grpc.Status.fromThrowable(t).toString()));
                }
            }

            @Override
            public void onCompleted() {
                if (!answered) {
                    answered = true;
                    done.accept(CheckOutcome.error("the authorizer sent no CheckResponse"));
                }
            }
        };
    }

    static CheckOutcome outcome(CheckResponse response) {
        if (response.getStatus().getCode() == GRPC_OK) {
            var ok = response.getOkResponse();
            HttpHeaders upstream = headers(ok.getHeadersList());
            List<String> remove = new ArrayList<>(ok.getHeadersToRemoveList());
            HttpHeaders downstream = headers(ok.getResponseHeadersToAddList());
            return new CheckOutcome(CheckOutcome.Kind.ALLOWED, 200, null, upstream, remove, downstream, null);
        }
        var denied = response.getDeniedResponse();
        int status = denied.getStatus().getCodeValue();
        return new CheckOutcome(CheckOutcome.Kind.DENIED, status == 0 ? 403 : status, denied.getBody(), null,
                List.of(), headers(denied.getHeadersList()), null);
    }

    private static HttpHeaders headers(List<HeaderValueOption> options) {
        if (options.isEmpty()) {
            return null;
        }
        HttpHeaders out = new DefaultHttpHeaders();
        for (HeaderValueOption o : options) {
            if (!o.getHeader().getKey().isEmpty()) {
                out.add(o.getHeader().getKey(), o.getHeader().getValue());
            }
        }
        return out;
    }
}
