package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.tls.TlsOrigination;
import dev.weft.dataplane.tls.UpstreamTls;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** File-based TLS origination (DestinationRule SIMPLE / MUTUAL) as the proxy parses it, and its SAN matching. */
class TlsOriginationParserTest {
    private static UpstreamTls parse(CommonTlsContext common) throws ResourceRejectedException {
        TransportSocket socket = TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setCommonTlsContext(common)
                        .setSni("api.example.com").build())).build();
        return TransportSocketParser.upstream(socket, new Rejector("Cluster", "outbound|443||api.example.com"),
                "transport_socket");
    }

    private static DataSource file(String name) {
        return DataSource.newBuilder().setFilename(name).build();
    }

    @Test
    void parsesMutualWithCaAndNames() throws Exception {
        UpstreamTls tls = parse(CommonTlsContext.newBuilder()
                .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(file("/certs/c.pem"))
                        .setPrivateKey(file("/certs/k.pem")))
                .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file("/certs/ca.pem"))
                        .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                                .setSanType(SubjectAltNameMatcher.SanType.DNS)
                                .setMatcher(StringMatcher.newBuilder().setExact("api.example.com"))))
                .build());
        TlsOrigination o = tls.origination();
        assertThat(o.certificateChainFile()).isEqualTo("/certs/c.pem");
        assertThat(o.privateKeyFile()).isEqualTo("/certs/k.pem");
        assertThat(o.trustedCaFile()).isEqualTo("/certs/ca.pem");
        assertThat(tls.sni()).isEqualTo("api.example.com");
        TlsOrigination.SanName name = o.serverNames().getFirst();
        assertThat(name.matches(TlsOrigination.SanName.Type.DNS, "API.example.com")).isTrue();
        assertThat(name.matches(TlsOrigination.SanName.Type.DNS, "*.example.com")).isTrue();
        assertThat(name.matches(TlsOrigination.SanName.Type.DNS, "*.other.com")).isFalse();
        assertThat(name.matches(TlsOrigination.SanName.Type.URI, "api.example.com")).isFalse();
        // no validation context: insecureSkipVerify
        assertThat(parse(CommonTlsContext.getDefaultInstance()).origination().verifiesServer()).isFalse();
    }

    @Test
    void rejectsWhatItCannotApply() {
        assertThatThrownBy(() -> parse(CommonTlsContext.newBuilder().addTlsCertificates(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString("-----BEGIN"))
                .setPrivateKey(file("/k.pem"))).build()))
                .hasMessageContaining("tls_certificates[0].certificate_chain: a filename is required");
        assertThatThrownBy(() -> parse(CommonTlsContext.newBuilder().setValidationContext(
                CertificateValidationContext.newBuilder().setTrustedCa(file("/ca.pem"))
                        .addVerifyCertificateHash("ab")).build()))
                .hasMessageContaining("only trusted_ca and match_typed_subject_alt_names are supported");
    }
}
