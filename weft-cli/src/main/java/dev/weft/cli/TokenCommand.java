package dev.weft.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft token create}: a join token a proxy exchanges for its first certificate. */
@Command(name = "token", description = "Join tokens for workload bootstrap.", subcommands = TokenCommand.Create.class)
final class TokenCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try 'weft token create'");
    }

    @Command(name = "create", description = {
            "Mint a join token for one identity (namespace + service account) and print it on stdout.",
            "A proxy started with --token-file exchanges it for a certificate; the token works only for that identity."})
    static final class Create implements Callable<Integer> {
        @Option(names = "--control-plane-url", defaultValue = "http://127.0.0.1:15014", paramLabel = "URL",
                description = "the control plane's HTTP API, reachable only from its own machine (default: ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--namespace", required = true, paramLabel = "NS")
        String namespace;

        @Option(names = "--service-account", required = true, paramLabel = "SA")
        String serviceAccount;

        @Option(names = "--ttl", defaultValue = "1h", paramLabel = "DURATION",
                description = "how long the token can be used, e.g. 10m, 1h (default: ${DEFAULT-VALUE})")
        String ttl;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            URI uri = URI.create(url.replaceAll("/+$", "") + "/v1/tokens?namespace=" + enc(namespace)
                    + "&serviceAccount=" + enc(serviceAccount) + "&ttl=" + enc(ttl));
            HttpResponse<String> response;
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                throw new java.io.IOException("cannot reach the control plane at " + url + ": " + e.getMessage(), e);
            }
            if (response.statusCode() != 200) {
                spec.commandLine().getErr().println("token create refused (" + response.statusCode() + "): " + response.body().strip());
                return 1;
            }
            spec.commandLine().getOut().println(response.body().strip());
            return 0;
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }
    }
}
