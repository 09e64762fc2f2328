package dev.weft.bench.jmh;

import dev.weft.dataplane.routing.RequestHead;
import java.util.Map;

/** A request head built once per benchmark state, so the benchmark measures routing and not request building. */
record BenchRequest(String method, String authority, String path, Map<String, String> headers) implements RequestHead {
    @Override
    public String scheme() {
        return "http";
    }

    @Override
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public String sourceAddress() {
        return "127.0.0.1";
    }
}
