package dev.weft.proxy.authz;

import dev.weft.dataplane.authn.JwtAuthnConfig;
import dev.weft.dataplane.authn.JwtStatus;
import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.Map;

/**
 * The listener's {@code envoy.filters.http.jwt_authn} filter (RequestAuthentication), run before authorization: a
 * request whose token fails verification gets Envoy's local reply (401, or 403 for a disallowed audience, the
 * reason as body, a {@code www-authenticate: Bearer} header); otherwise the verified token is kept on the exchange
 * for {@link AuthorizationFilter} ({@code requestPrincipals}, {@code request.auth.*}), a token that is not to be
 * forwarded is removed and the payload / claim headers are set.
 */
public final class JwtAuthnFilter implements HttpFilter {
    private final JwtAuthnConfig config;

    public JwtAuthnFilter(JwtAuthnConfig config) {
        this.config = config;
    }

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        JwtAuthnConfig.Outcome outcome = config.authenticate(exchange, System.currentTimeMillis() / 1000);
        exchange.authnOutcome(outcome);
        if (outcome.failure() != null) {
            return LocalReply.failure(outcome.failure().httpStatus(), null, outcome.failure().message());
        }
        HttpHeaders headers = exchange.requestHeaders();
        for (String h : outcome.removeHeaders()) {
            headers.remove(h);
        }
        for (Map.Entry<String, String> e : outcome.setHeaders().entrySet()) {
            headers.set(e.getKey(), e.getValue());
        }
        return null;
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpResponse response) {
        JwtAuthnConfig.Outcome outcome = exchange.authnOutcome();
        if (outcome == null || outcome.failure() == null) {
            return;
        }
        String path = exchange.path();
        int q = path == null ? -1 : path.indexOf('?');
        String realm = "http://" + exchange.authority() + (q < 0 ? path : path.substring(0, q));
        response.headers().set("www-authenticate", outcome.failure() == JwtStatus.MISSING
                ? "Bearer realm=\"" + realm + "\""
                : "Bearer realm=\"" + realm + "\", error=\"invalid_token\"");
    }
}
