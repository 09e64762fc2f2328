package dev.weft.controlplane.ca;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the SPIFFE identity out of a certificate's URI SAN. */
public final class SpiffeIds {
    private static final Pattern URI = Pattern.compile("spiffe://([^/]+)/ns/([^/]+)/sa/([^/]+)");
    private static final int SAN_URI = 6;

    private SpiffeIds() {}

    public static Optional<SpiffeId> parse(String uri) {
        Matcher m = URI.matcher(uri);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SpiffeId(m.group(1), m.group(2), m.group(3)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static Optional<SpiffeId> fromCertificate(X509Certificate cert, String trustDomain) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return Optional.empty();
            }
            for (List<?> san : sans) {
                if (((Integer) san.get(0)) == SAN_URI) {
                    Optional<SpiffeId> id = parse((String) san.get(1));
                    if (id.isPresent() && id.get().trustDomain().equals(trustDomain)) {
                        return id;
                    }
                }
            }
            return Optional.empty();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
    }
}
