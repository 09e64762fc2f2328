package dev.weft.dataplane.routing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A RequestHead built by hand for router tests. */
final class TestRequest implements RequestHead {
    private final String method;
    private final String authority;
    private final String path;
    private final Map<String, String> headers = new HashMap<>();
    private String source = "10.0.0.7";

    private TestRequest(String method, String authority, String path) {
        this.method = method;
        this.authority = authority;
        this.path = path;
    }

    static TestRequest get(String authority, String path) {
        return new TestRequest("GET", authority, path);
    }

    static TestRequest of(String method, String authority, String path) {
        return new TestRequest(method, authority, path);
    }

    TestRequest header(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    TestRequest from(String address) {
        this.source = address;
        return this;
    }

    @Override public String method() { return method; }
    @Override public String authority() { return authority; }
    @Override public String path() { return path; }
    @Override public String scheme() { return "http"; }
    @Override public String header(String name) { return headers.get(name); }
    @Override public String sourceAddress() { return source; }
}
