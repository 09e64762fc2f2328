package dev.weft.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CertificateSigningClientTest {
    @Test
    void readsTheCasStringMembersSkippingTheRest() throws Exception {
        String answer = "{\"spiffeId\":\"spiffe://cluster.local/ns/default/sa/a\",\"expires\":123,"
                + "\"extra\":{\"certificateChain\":\"nested\"},\"certificateChain\":\"-----BEGIN\\nA\\u0042\\/\\\"\\n\"}";
        assertThat(CertificateSigningClient.topLevelStrings(answer))
                .containsEntry("spiffeId", "spiffe://cluster.local/ns/default/sa/a")
                .containsEntry("certificateChain", "-----BEGIN\nAB/\"\n")
                .doesNotContainKeys("expires", "extra");
    }

    @Test
    void anAnswerThatIsNotAnObjectIsAnError() {
        assertThatThrownBy(() -> CertificateSigningClient.topLevelStrings("[\"x\"]"))
                .isInstanceOf(CertificateRequestException.class).hasMessageContaining("not a JSON object");
    }
}
