package dev.weft.config;

import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** DestinationRule tls SIMPLE / MUTUAL validation: files only, absolute paths, no contradictory skip-verify. */
class DestinationRuleTlsTest {
    private static String rule(String tls) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ext}
                spec:
                  host: api.example.com
                  trafficPolicy:
                    tls:
                %s
                """.formatted(tls.indent(6).stripTrailing());
    }

    @Test
    void acceptsFilesAndRejectsWhatWeftCannotApply() {
        assertThat(ConfigLoader.loadTexts(Map.of("dr.yaml", rule("""
                mode: MUTUAL
                clientCertificate: /certs/c.pem
                privateKey: /certs/k.pem
                caCertificates: /certs/ca.pem
                subjectAltNames: [api.example.com]
                sni: api.example.com
                """))).errorReport()).isEmpty();
        String report = ConfigLoader.loadTexts(Map.of("dr.yaml", rule("""
                mode: SIMPLE
                credentialName: my-secret
                caCertificates: certs/ca.pem
                caCrl: /certs/crl.pem
                insecureSkipVerify: true
                """))).errorReport();
        assertThat(report)
                .contains("DestinationRule default/ext: spec.trafficPolicy.tls.credentialName: Weft reads TLS material from files")
                .contains("spec.trafficPolicy.tls.caCertificates: must be an absolute file path")
                .contains("spec.trafficPolicy.tls.caCrl: certificate revocation lists are not supported")
                .contains("spec.trafficPolicy.tls.insecureSkipVerify: insecureSkipVerify turns off the checks");
    }
}
