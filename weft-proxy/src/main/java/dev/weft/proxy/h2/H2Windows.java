package dev.weft.proxy.h2;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Flow-control windows of the proxy's HTTP/2 connections. HTTP/2's 64 KiB defaults cap one stream at a window per
 * round trip, which two sidecar hops make slow; 1 MiB per stream (and 4 MiB for the connection, shared by its
 * streams) keeps bulk transfers fast while still bounding what a slow reader makes the proxy hold.
 */
final class H2Windows {
    static final int STREAM_WINDOW = 1024 * 1024;
    static final int CONNECTION_WINDOW = 4 * 1024 * 1024;

    private H2Windows() {}

    static Http2Settings settings() {
        return Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW);
    }

    /** Opens the connection-level receive window (SETTINGS cannot; a WINDOW_UPDATE on stream 0 does). */
    static void widenConnectionWindow(Http2FrameCodec codec) {
        Http2Connection connection = codec.connection();
        try {
            connection.local().flowController().incrementWindowSize(connection.connectionStream(),
                    CONNECTION_WINDOW - 65_535);
        } catch (Http2Exception e) {
            throw new IllegalStateException("cannot widen the HTTP/2 connection window", e);
        }
    }
}
