package dev.weft.dataplane.tls;

import java.util.List;

/**
 * TLS to a server outside the mesh (DestinationRule {@code tls} SIMPLE / MUTUAL), from files the proxy reads:
 * an UpstreamTlsContext with {@code tls_certificates} / {@code validation_context} file names instead of the mesh's
 * SDS secrets.
 *
 * @param certificateChainFile PEM client certificate chain (MUTUAL), or null
 * @param privateKeyFile PEM (PKCS#8) key of that certificate, or null
 * @param trustedCaFile PEM CA bundle the server must chain to; null: no verification at all (no validation context,
 *                      Istio's {@code insecureSkipVerify})
 * @param serverNames SAN matchers the server certificate must satisfy (any one); empty: chain only
 */
public record TlsOrigination(String certificateChainFile, String privateKeyFile, String trustedCaFile,
                             List<SanName> serverNames) {
    public TlsOrigination {
        serverNames = List.copyOf(serverNames);
    }

    public boolean verifiesServer() {
        return trustedCaFile != null;
    }

    /** A typed SAN matcher (Envoy {@code SubjectAltNameMatcher}): exact, prefix or suffix on one SAN type. */
    public record SanName(Type type, String value, Match match) {
        public enum Type { DNS, URI, IP_ADDRESS }

        public enum Match { EXACT, PREFIX, SUFFIX }

        /** Whether one of the certificate's SANs of this type matches; a {@code *.} DNS SAN covers one label. */
        public boolean matches(Type sanType, String san) {
            if (sanType != type || san == null) {
                return false;
            }
            if (type == Type.DNS && match == Match.EXACT && san.startsWith("*.")) {
                int dot = value.indexOf('.');
                return dot > 0 && value.substring(dot).equalsIgnoreCase(san.substring(1));
            }
            return switch (match) {
                case EXACT -> type == Type.DNS ? san.equalsIgnoreCase(value) : san.equals(value);
                case PREFIX -> san.startsWith(value);
                case SUFFIX -> san.endsWith(value);
            };
        }
    }
}
