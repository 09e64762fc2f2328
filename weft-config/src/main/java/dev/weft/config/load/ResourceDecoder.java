package dev.weft.config.load;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.config.ConfigError;
import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.AuthorizationPolicySpec;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.DestinationRuleSpec;
import dev.weft.config.model.IstioResource;
import dev.weft.config.model.LocalRateLimit;
import dev.weft.config.model.LocalRateLimitSpec;
import dev.weft.config.model.ResourceMeta;
import dev.weft.config.model.ServiceEntry;
import dev.weft.config.model.ServiceEntrySpec;
import dev.weft.config.model.VirtualService;
import dev.weft.config.model.VirtualServiceSpec;
import dev.weft.config.model.PeerAuthentication;
import dev.weft.config.model.PeerAuthenticationSpec;
import dev.weft.config.model.WorkloadEntry;
import dev.weft.config.model.WorkloadEntrySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns one YAML document into a typed resource: checks apiVersion, kind and metadata, then binds {@code spec}
 * strictly (unknown fields, wrong types, bad enum values and bad durations are errors at their line).
 */
public final class ResourceDecoder {
    public static final String GROUP = "networking.istio.io";
    public static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
    public static final List<String> KINDS = List.of("VirtualService", "DestinationRule", "ServiceEntry",
            "WorkloadEntry", "PeerAuthentication", "AuthorizationPolicy", "LocalRateLimit", "Telemetry",
            "RequestAuthentication", "MeshConfig");
    /** Kinds of {@code security.istio.io} rather than {@link #GROUP}. */
    public static final String SECURITY_GROUP = "security.istio.io";
    public static final List<String> SECURITY_KINDS = List.of("PeerAuthentication", "AuthorizationPolicy",
            "RequestAuthentication");
    public static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");
    /** Weft's own kinds, in a group of their own (Istio has no equivalent resource). */
    public static final String WEFT_GROUP = "weft.dev";
    public static final List<String> WEFT_KINDS = List.of("LocalRateLimit", "MeshConfig");
    public static final List<String> WEFT_VERSIONS = List.of("v1alpha1");
    /** Telemetry is of {@code telemetry.istio.io}. */
    public static final String TELEMETRY_GROUP = "telemetry.istio.io";
    public static final List<String> TELEMETRY_VERSIONS = List.of("v1", "v1alpha1");
    public static final String DEFAULT_NAMESPACE = "default";
    private static final int MAX_BINDING_ERRORS = 50;

    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    /** Kubernetes fills these in on objects read back from a cluster; accepting them lets such exports load. */
    private static final Set<String> METADATA = Set.of("name", "namespace", "labels", "annotations", "uid",
            "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers");
    /** Istio fields Weft does not model yet: a clearer message than "unknown field". */
    private static final Set<String> ISTIO_NOT_YET = Set.of("tls", "corsPolicy", "directResponse",
            "delegate", "localityLbSetting", "tunnel", "proxyProtocol", "statPrefix",
            "trafficDistribution", "retryIgnorePreviousHosts", "backoff", "mirrorPercent", "loadBalancerPolicy");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(new SimpleModule("istio-durations").addDeserializer(Duration.class, new DurationDeserializer()))
            .build();

    private ResourceDecoder() {}

    /** Decodes {@code doc}; on failure adds errors to {@code errors} and returns null. */
    public static LoadedResource decode(YamlDocument doc, List<ConfigError> errors) {
        String file = doc.file();
        LineIndex lines = doc.lines();
        JsonNode root = doc.root();
        if (!root.isObject()) {
            errors.add(new ConfigError(file, lines.documentLine(), null, null, null, null,
                    "a document must be a mapping with apiVersion, kind, metadata and spec, got " + describe(root)));
            return null;
        }
        String kind = text(root, "kind");
        String name = text(root.path("metadata"), "name");
        String namespace = text(root.path("metadata"), "namespace");
        if (namespace == null) {
            namespace = DEFAULT_NAMESPACE;
        }
        var ctx = new Context(file, lines, kind, namespace, name, errors);
        int before = errors.size();

        String apiVersion = text(root, "apiVersion");
        if (apiVersion == null) {
            ctx.error(FieldPath.of("apiVersion"), "apiVersion is required (" + GROUP + "/v1, v1beta1 or v1alpha3)");
        } else if (kind != null && SECURITY_KINDS.contains(kind)) {
            if (!isSupportedSecurityApiVersion(apiVersion)) {
                ctx.error(FieldPath.of("apiVersion"), "unsupported apiVersion \"" + apiVersion + "\" for " + kind
                        + "; Weft reads " + SECURITY_VERSIONS.stream().map(v -> SECURITY_GROUP + "/" + v)
                        .collect(Collectors.joining(", ")));
            }
        } else if ("Telemetry".equals(kind)) {
            int slash = apiVersion.indexOf('/');
            if (slash <= 0 || !apiVersion.substring(0, slash).equals(TELEMETRY_GROUP)
                    || !TELEMETRY_VERSIONS.contains(apiVersion.substring(slash + 1))) {
                ctx.error(FieldPath.of("apiVersion"), "unsupported apiVersion \"" + apiVersion + "\" for Telemetry; "
                        + "Weft reads " + TELEMETRY_VERSIONS.stream().map(v -> TELEMETRY_GROUP + "/" + v)
                        .collect(Collectors.joining(", ")));
            }
        } else if (kind != null && WEFT_KINDS.contains(kind)) {
            if (!isSupportedWeftApiVersion(apiVersion)) {
                ctx.error(FieldPath.of("apiVersion"), "unsupported apiVersion \"" + apiVersion + "\" for " + kind
                        + "; Weft reads " + WEFT_VERSIONS.stream().map(v -> WEFT_GROUP + "/" + v)
                        .collect(Collectors.joining(", ")));
            }
        } else if (!isSupportedApiVersion(apiVersion)) {
            ctx.error(FieldPath.of("apiVersion"), "unsupported apiVersion \"" + apiVersion + "\"; Weft reads "
                    + VERSIONS.stream().map(v -> GROUP + "/" + v).collect(Collectors.joining(", ")));
        }
        if (kind == null) {
            ctx.error(FieldPath.of("kind"), "kind is required (one of " + String.join(", ", KINDS) + ")");
        } else if (!KINDS.contains(kind)) {
            ctx.error(FieldPath.of("kind"), "unsupported kind \"" + kind + "\"; Weft supports "
                    + String.join(", ", KINDS));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP_LEVEL.contains(f)) {
                ctx.error(FieldPath.of(f), "unknown field \"" + f + "\"; a resource has apiVersion, kind, metadata, spec");
            }
        }
        checkMetadata(root.get("metadata"), ctx);
        JsonNode spec = root.get("spec");
        if (spec == null || spec.isNull()) {
            ctx.error(FieldPath.of("spec"), "spec is required");
        } else if (!spec.isObject()) {
            ctx.error(FieldPath.of("spec"), "spec must be a mapping, got " + describe(spec));
        }
        if (errors.size() > before) {
            return null;
        }

        ResourceMeta meta = new ResourceMeta(kind, name, namespace, file, lines.documentLine());
        // Bind; on a binding error, report it, drop the offending field and bind again, so one run reports
        // every bad field of the resource rather than only the first.
        JsonNode remaining = spec.deepCopy();
        Set<String> unbound = new LinkedHashSet<>();
        for (int attempt = 0; attempt < MAX_BINDING_ERRORS; attempt++) {
            try {
                IstioResource resource = bind(kind, meta, remaining);
                return new LoadedResource(resource, lines, unbound);
            } catch (JsonMappingException e) {
                List<Object> segments = new ArrayList<>();
                for (JsonMappingException.Reference r : e.getPath()) {
                    if (r.getFieldName() != null) {
                        segments.add(r.getFieldName());
                    } else if (r.getIndex() >= 0) {
                        segments.add(r.getIndex());
                    }
                }
                FieldPath path = toPath(segments);
                ctx.error(path, bindingMessage(e, root.at(path.pointer())));
                unbound.add(path.toString());
                if (!prune(remaining, segments)) {
                    return null;
                }
            }
        }
        return null;
    }

    private static IstioResource bind(String kind, ResourceMeta meta, JsonNode spec) throws JsonMappingException {
        return switch (kind) {
            case "VirtualService" -> new VirtualService(meta, bind(spec, VirtualServiceSpec.class));
            case "DestinationRule" -> new DestinationRule(meta, bind(spec, DestinationRuleSpec.class));
            case "ServiceEntry" -> new ServiceEntry(meta, bind(spec, ServiceEntrySpec.class));
            case "WorkloadEntry" -> new WorkloadEntry(meta, bind(spec, WorkloadEntrySpec.class));
            case "PeerAuthentication" -> new PeerAuthentication(meta, bind(spec, PeerAuthenticationSpec.class));
            case "AuthorizationPolicy" -> new AuthorizationPolicy(meta, bind(spec, AuthorizationPolicySpec.class));
            case "LocalRateLimit" -> new LocalRateLimit(meta, bind(spec, LocalRateLimitSpec.class));
            case "Telemetry" -> new dev.weft.config.model.Telemetry(meta,
                    bind(spec, dev.weft.config.model.TelemetrySpec.class));
            case "RequestAuthentication" -> new dev.weft.config.model.RequestAuthentication(meta,
                    bind(spec, dev.weft.config.model.RequestAuthenticationSpec.class));
            case "MeshConfig" -> new dev.weft.config.model.MeshConfigResource(meta,
                    bind(spec, dev.weft.config.model.MeshConfigSpec.class));
            default -> throw new IllegalStateException(kind);
        };
    }

    private static FieldPath toPath(List<Object> segments) {
        FieldPath path = FieldPath.of("spec");
        for (Object seg : segments) {
            path = seg instanceof Integer i ? path.index(i) : path.key((String) seg);
        }
        return path;
    }

    /** Removes the field the error points at (a list item: the whole list field). False if nothing was removed. */
    private static boolean prune(JsonNode spec, List<Object> segments) {
        List<Object> segs = new ArrayList<>(segments);
        while (!segs.isEmpty() && segs.getLast() instanceof Integer) {
            segs.removeLast();
        }
        if (segs.isEmpty()) {
            return false;
        }
        JsonNode parent = spec;
        for (Object seg : segs.subList(0, segs.size() - 1)) {
            parent = seg instanceof Integer i ? parent.path(i) : parent.path((String) seg);
        }
        return parent instanceof ObjectNode obj && obj.remove((String) segs.getLast()) != null;
    }

    public static boolean isSupportedSecurityApiVersion(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash > 0 && apiVersion.substring(0, slash).equals(SECURITY_GROUP)
                && SECURITY_VERSIONS.contains(apiVersion.substring(slash + 1));
    }

    public static boolean isSupportedWeftApiVersion(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash > 0 && apiVersion.substring(0, slash).equals(WEFT_GROUP)
                && WEFT_VERSIONS.contains(apiVersion.substring(slash + 1));
    }

    public static boolean isSupportedApiVersion(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash > 0 && apiVersion.substring(0, slash).equals(GROUP)
                && VERSIONS.contains(apiVersion.substring(slash + 1));
    }

    private static <T> T bind(JsonNode spec, Class<T> type) throws JsonMappingException {
        try {
            return MAPPER.readerFor(type).readValue(spec);
        } catch (JsonMappingException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw JsonMappingException.fromUnexpectedIOE(e);
        }
    }

    private static void checkMetadata(JsonNode metadata, Context ctx) {
        FieldPath at = FieldPath.of("metadata");
        if (metadata == null || metadata.isNull()) {
            ctx.error(at, "metadata is required (with at least a name)");
            return;
        }
        if (!metadata.isObject()) {
            ctx.error(at, "metadata must be a mapping, got " + describe(metadata));
            return;
        }
        for (Iterator<String> it = metadata.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!METADATA.contains(f)) {
                ctx.error(at.field(f), "unknown field \"" + f + "\"; known fields: " + String.join(", ", new TreeSet<>(METADATA)));
            }
        }
        JsonNode name = metadata.get("name");
        if (name == null || name.isNull() || (name.isTextual() && name.asText().isEmpty())) {
            ctx.error(at.field("name"), "name is required");
        } else if (!name.isTextual()) {
            ctx.error(at.field("name"), "name must be a string, got " + describe(name));
        } else if (name.asText().length() > 253 || !DNS1123_SUBDOMAIN.matcher(name.asText()).matches()) {
            ctx.error(at.field("name"), "name \"" + name.asText()
                    + "\" must be lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
        }
        JsonNode ns = metadata.get("namespace");
        if (ns != null && !ns.isNull()) {
            if (!ns.isTextual()) {
                ctx.error(at.field("namespace"), "namespace must be a string, got " + describe(ns));
            } else if (ns.asText().length() > 63 || !DNS1123_LABEL.matcher(ns.asText()).matches()) {
                ctx.error(at.field("namespace"), "namespace \"" + ns.asText()
                        + "\" must be lower-case letters, digits and '-' (at most 63), starting and ending with a letter or digit");
            }
        }
        for (String mapField : List.of("labels", "annotations")) {
            JsonNode m = metadata.get(mapField);
            if (m != null && !m.isNull()) {
                if (!m.isObject()) {
                    ctx.error(at.field(mapField), mapField + " must be a map of strings, got " + describe(m));
                    continue;
                }
                for (var e : m.properties()) {
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        ctx.error(at.field(mapField).key(e.getKey()), "value must be a string, got " + describe(e.getValue()));
                    }
                }
            }
        }
    }

    private static String bindingMessage(JsonMappingException e, JsonNode found) {
        if (e instanceof UnrecognizedPropertyException u) {
            String field = u.getPropertyName();
            if (ISTIO_NOT_YET.contains(field)) {
                return "field \"" + field + "\" is part of Istio's API but not supported by Weft yet";
            }
            Collection<Object> known = u.getKnownPropertyIds();
            String knownList = known == null ? "" : "; known fields: "
                    + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return "unknown field \"" + field + "\"" + knownList;
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            return v.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            return "invalid value \"" + f.getValue() + "\", must be one of: " + enumValues(f.getTargetType());
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() == Duration.class) {
            return f.getOriginalMessage();
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> t = m.getTargetType();
            if (t.isEnum()) {
                return "invalid value " + describe(found) + ", must be one of: " + enumValues(t);
            }
            return "expected " + expected(t) + ", got " + describe(found);
        }
        String msg = e.getOriginalMessage();
        return msg == null ? "invalid value " + describe(found) : msg.replaceAll("\\s*\\(for .*", "");
    }

    private static String enumValues(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static String expected(Class<?> t) {
        if (t == String.class) {
            return "a string";
        }
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        }
        if (t == Double.class || t == double.class) {
            return "a number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == Duration.class) {
            return "a duration such as \"1s\" or \"100ms\"";
        }
        if (Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(t)) {
            return "a map";
        }
        return "a mapping (" + t.getSimpleName() + ")";
    }

    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "nothing";
        }
        if (n.isTextual()) {
            return "the string \"" + n.asText() + "\"";
        }
        if (n.isNumber()) {
            return "the number " + n.asText();
        }
        if (n.isBoolean()) {
            return n.asText();
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return n.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }

    /** Collects errors for one document, adding file, resource and line. */
    private record Context(String file, LineIndex lines, String kind, String namespace, String name,
                           List<ConfigError> errors) {
        void error(FieldPath path, String message) {
            errors.add(new ConfigError(file, lines.lineOf(path), kind, namespace, name, path.toString(), message));
        }
    }

}
