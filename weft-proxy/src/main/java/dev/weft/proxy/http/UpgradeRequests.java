package dev.weft.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;

/** HTTP/1.1 protocol upgrades (RFC 9110 §7.8): recognising a request that asks for one, and its headers. */
final class UpgradeRequests {
    private UpgradeRequests() {}

    /**
     * The {@code Upgrade} header of an HTTP/1.1 request that asks to switch protocols ({@code Connection: upgrade}
     * plus {@code Upgrade}), else null. HTTP/2 streams cannot switch (extended CONNECT is not supported), and an
     * {@code h2c} upgrade is treated as an ordinary request, its upgrade headers dropped, as Envoy does.
     */
    static String requestedUpgrade(HttpRequest request, Channel channel) {
        if (channel instanceof Http2StreamChannel || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return null;
        }
        HttpHeaders headers = request.headers();
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || upgrade.isBlank()
                || !headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return null;
        }
        upgrade = upgrade.trim();
        return upgrade.regionMatches(true, 0, "h2c", 0, 3) && upgrade.length() == 3 ? null : upgrade;
    }

    /** Puts back the two headers an upgrade needs on the next hop (hop-by-hop stripping removed them). */
    static void restore(HttpHeaders headers, String upgrade) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, upgrade);
    }
}
