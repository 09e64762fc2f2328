package dev.weft.proxy.authz;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * What an external authorizer answered, in the terms both check protocols share.
 *
 * @param upstreamSet headers to set on the request going upstream (allowed)
 * @param upstreamRemove headers to remove from it (allowed, gRPC {@code headers_to_remove})
 * @param downstream headers for the client: on the denial, or added to the upstream's response when allowed
 * @param status the denial's HTTP status
 * @param detail why the check failed (an error), for the log
 */
record CheckOutcome(Kind kind, int status, String body, HttpHeaders upstreamSet, List<String> upstreamRemove,
                    HttpHeaders downstream, String detail) {
    enum Kind { ALLOWED, DENIED, ERROR }

    static CheckOutcome error(String detail) {
        return new CheckOutcome(Kind.ERROR, 0, null, null, List.of(), null, detail);
    }
}
