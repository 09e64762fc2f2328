package dev.weft.config;

import dev.weft.config.load.LoadedResource;
import dev.weft.config.load.ResourceDecoder;
import dev.weft.config.load.YamlDocument;
import dev.weft.config.load.YamlFile;
import dev.weft.config.load.YamlReader;
import dev.weft.config.validate.ConfigValidator;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The single entry point for reading and validating a config set, used by the control plane and by
 * {@code weft validate}. A set with any error is rejected as a whole: {@link LoadResult#config()} is null and
 * the caller keeps serving its last valid {@link MeshConfig}.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Loads a file, or every *.yaml / *.yml in a directory (sorted by name, not recursive), and validates the set. */
    public static LoadResult load(Path fileOrDir) {
        List<Path> files;
        try {
            files = Files.isDirectory(fileOrDir) ? yamlFilesIn(fileOrDir) : List.of(fileOrDir);
        } catch (IOException e) {
            return failed(fileOrDir.toString(), "cannot list directory: " + e.getMessage());
        }
        if (!Files.exists(fileOrDir)) {
            return failed(fileOrDir.toString(), "no such file or directory");
        }
        List<YamlFile> parsed = new ArrayList<>();
        List<ConfigError> readErrors = new ArrayList<>();
        for (Path f : files) {
            try {
                parsed.add(YamlReader.read(f.toString(), Files.readString(f)));
            } catch (CharacterCodingException e) {
                readErrors.add(new ConfigError(f.toString(), 0, null, null, null, null, "file is not UTF-8 text"));
            } catch (IOException e) {
                readErrors.add(new ConfigError(f.toString(), 0, null, null, null, null, "cannot read: " + e.getMessage()));
            }
        }
        return validate(parsed, readErrors);
    }

    /** Loads YAML given as text, keyed by the file name to show in errors (in map iteration order). */
    public static LoadResult loadTexts(Map<String, String> fileContents) {
        List<YamlFile> parsed = new ArrayList<>();
        fileContents.forEach((name, text) -> parsed.add(YamlReader.read(name, text)));
        return validate(parsed, new ArrayList<>());
    }

    /**
     * The *.yaml and *.yml files directly in {@code dir}, sorted by file name. Hidden files (".name.yaml", e.g.
     * editor lock files and Kubernetes' "..data" links) are skipped.
     */
    public static List<Path> yamlFilesIn(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    out.add(p);
                }
            }
        }
        out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return out;
    }

    private static LoadResult validate(List<YamlFile> files, List<ConfigError> errors) {
        List<LoadedResource> resources = new ArrayList<>();
        boolean allDecoded = true;
        for (YamlFile yf : files) {
            for (YamlFile.SourceProblem p : yf.problems()) {
                errors.add(new ConfigError(yf.file(), p.line(), null, null, null,
                        p.path() == null ? null : p.path().toString(), p.message()));
                allDecoded = false;
            }
            for (YamlDocument doc : yf.documents()) {
                LoadedResource lr = ResourceDecoder.decode(doc, errors);
                if (lr == null || !lr.fullyBound()) {
                    allDecoded = false;
                }
                if (lr != null) {
                    resources.add(lr);
                }
            }
        }
        errors.addAll(ConfigValidator.validate(resources, allDecoded));
        if (!errors.isEmpty()) {
            // Read in file order, report in file and line order (the sort is stable within a line).
            List<String> fileOrder = files.stream().map(YamlFile::file).toList();
            errors.sort(Comparator.comparingInt((ConfigError e) -> fileRank(fileOrder, e.file()))
                    .thenComparingInt(ConfigError::line));
            return new LoadResult(null, errors);
        }
        List<dev.weft.config.model.IstioResource> valid = new ArrayList<>();
        for (LoadedResource lr : resources) {
            valid.add(lr.resource() instanceof dev.weft.config.model.RequestAuthentication ra
                    ? RequestAuthentications.inlineJwksFiles(ra) : lr.resource()); // proxies get keys inline
        }
        return new LoadResult(MeshConfig.of(valid), List.of());
    }

    private static int fileRank(List<String> fileOrder, String file) {
        int i = fileOrder.indexOf(file);
        return i < 0 ? -1 : i;
    }

    private static LoadResult failed(String file, String message) {
        return new LoadResult(null, List.of(new ConfigError(file, 0, null, null, null, null, message)));
    }
}
