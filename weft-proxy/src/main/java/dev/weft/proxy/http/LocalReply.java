package dev.weft.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * A response the proxy produces itself (no route, upstream failure, redirect, direct response).
 *
 * @param flag why, sent as {@code x-weft-response-flags}; null for redirects and direct responses
 * @param location the Location header of a redirect, or null
 * @param headers headers set on the reply (an external authorizer's denial), or null
 */
public record LocalReply(int status, ResponseFlag flag, String body, String location, HttpHeaders headers) {
    public LocalReply(int status, ResponseFlag flag, String body, String location) {
        this(status, flag, body, location, null);
    }

    public static LocalReply failure(int status, ResponseFlag flag, String body) {
        return new LocalReply(status, flag, body, null);
    }
}
