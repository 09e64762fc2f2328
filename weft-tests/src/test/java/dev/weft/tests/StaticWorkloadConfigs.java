package dev.weft.tests;

/** ServiceEntry / WorkloadEntry config for workloads without a sidecar, and a VirtualService exercising route options. */
final class StaticWorkloadConfigs {
    private StaticWorkloadConfigs() {
    }

    /** {@code echo.external:80} served by an app on {@code appPort} with no sidecar; {@code legacy.internal:9080} by a WorkloadEntry. */
    static String entries(int externalPort, int legacyPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: echo-external
                  namespace: default
                spec:
                  hosts:
                  - echo.external
                  ports:
                  - number: 80
                    name: http
                    protocol: HTTP
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints:
                  - address: 127.0.0.1
                    ports:
                      http: %d
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: legacy
                  namespace: default
                spec:
                  hosts:
                  - legacy.internal
                  ports:
                  - number: 9080
                    name: http
                    protocol: HTTP
                  location: MESH_INTERNAL
                  resolution: STATIC
                  workloadSelector:
                    labels:
                      app: legacy
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: legacy-vm-1
                  namespace: default
                spec:
                  address: 127.0.0.1
                  ports:
                    http: %d
                  labels:
                    app: legacy
                    version: v1
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: echo-external
                  namespace: default
                spec:
                  hosts:
                  - echo.external
                  http:
                  - name: slow
                    match:
                    - uri:
                        prefix: /slow/
                    rewrite:
                      uri: /delay/
                    timeout: 0.5s
                    route:
                    - destination:
                        host: echo.external
                  - name: renamed
                    match:
                    - uri:
                        prefix: /old/
                    rewrite:
                      uri: /new/
                    headers:
                      request:
                        set:
                          x-weft-test: set-by-route
                      response:
                        add:
                          x-served-by-route: renamed
                    route:
                    - destination:
                        host: echo.external
                  - route:
                    - destination:
                        host: echo.external
                """.formatted(externalPort, legacyPort);
    }
}
