package dev.weft.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostsTest {
    @Test
    void shortNamesResolveInTheNamespace() {
        assertThat(Hosts.resolve("reviews", "default")).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(Hosts.resolve("Reviews", "prod")).isEqualTo("reviews.prod.svc.cluster.local");
        assertThat(Hosts.resolve("reviews.prod.svc.cluster.local", "default")).isEqualTo("reviews.prod.svc.cluster.local");
        assertThat(Hosts.resolve("api.example.com", "default")).isEqualTo("api.example.com");
        assertThat(Hosts.resolve("*", "default")).isEqualTo("*");
        assertThat(Hosts.resolve("*.example.com", "default")).isEqualTo("*.example.com");
    }

    @Test
    void validatesDnsNamesAndWildcards() {
        assertThat(Hosts.problem("reviews", false)).isNull();
        assertThat(Hosts.problem("a-b.example.com", false)).isNull();
        assertThat(Hosts.problem("*.example.com", true)).isNull();
        assertThat(Hosts.problem("*.example.com", false)).contains("wildcard");
        assertThat(Hosts.problem("", true)).isEqualTo("host is empty");
        assertThat(Hosts.problem("bad_host", true)).contains("not a valid DNS name");
        assertThat(Hosts.problem("-x.com", true)).contains("not a valid DNS name");
        assertThat(Hosts.problem("a..b", true)).contains("not a valid DNS name");
        assertThat(Hosts.problem("foo*.com", true)).contains("not a valid DNS name");
        assertThat(Hosts.problem("*foo.com", true)).contains("whole first label");
        assertThat(Hosts.problem("x".repeat(64) + ".com", true)).contains("longer than 63");
    }

    @Test
    void wildcardMatching() {
        assertThat(Hosts.matches("*", "a.b")).isTrue();
        assertThat(Hosts.matches("*.example.com", "api.example.com")).isTrue();
        assertThat(Hosts.matches("*.example.com", "example.com")).isFalse();
        assertThat(Hosts.matches("api.example.com", "API.example.com")).isTrue();
    }
}
