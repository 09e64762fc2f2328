/**
 * gRPC awareness in the HTTP path: what makes a request gRPC, the deadline it carries ({@code grpc-timeout}), and
 * how the proxy's own error replies look to a gRPC client (a trailers-only response with {@code grpc-status} and
 * {@code grpc-message}, per the gRPC over HTTP/2 protocol) instead of an HTTP error page it cannot read.
 */
package dev.weft.proxy.grpc;
