package dev.weft.config.model;

/** Istio {@code HTTPRedirect}; redirectCode null means 301. */
public record HttpRedirect(String uri, String authority, Integer port, DerivePort derivePort, String scheme,
                           Integer redirectCode) {
    public enum DerivePort { FROM_PROTOCOL_DEFAULT, FROM_REQUEST_PORT }

    public int redirectCodeOrDefault() {
        return redirectCode == null ? 301 : redirectCode;
    }
}
