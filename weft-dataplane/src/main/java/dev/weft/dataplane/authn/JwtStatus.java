package dev.weft.dataplane.authn;

/**
 * Why a JWT was not accepted, with the text Envoy's {@code jwt_authn} filter sends as the body of its local reply
 * (clients and dashboards match on these strings) and its status code: 401, except 403 for a token whose audience
 * is not allowed.
 */
public enum JwtStatus {
    OK("OK"),
    MISSING("Jwt is missing"),
    NOT_YET_VALID("Jwt not yet valid"),
    EXPIRED("Jwt is expired"),
    BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
    HEADER_BAD_JSON("Jwt header is an invalid JSON"),
    ALG_NOT_SUPPORTED("Jwt header [alg] is not supported"),
    PAYLOAD_BAD_JSON("Jwt payload is an invalid JSON"),
    UNKNOWN_ISSUER("Jwt issuer is not configured"),
    AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
    VERIFICATION_FAILS("Jwt verification fails"),
    KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt");

    private final String message;

    JwtStatus(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }

    public int httpStatus() {
        return this == AUDIENCE_NOT_ALLOWED ? 403 : 401;
    }
}
