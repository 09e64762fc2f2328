package dev.weft.proxy.http;

/**
 * A response the proxy produces itself (no route, upstream failure, redirect, direct response).
 *
 * @param flag why, sent as {@code x-weft-response-flags}; null for redirects and direct responses
 * @param location the Location header of a redirect, or null
 */
public record LocalReply(int status, ResponseFlag flag, String body, String location) {
    public static LocalReply failure(int status, ResponseFlag flag, String body) {
        return new LocalReply(status, flag, body, null);
    }
}
