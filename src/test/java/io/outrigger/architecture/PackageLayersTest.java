package io.outrigger.architecture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules docs/architecture.md states, read from the sources: the top-level packages import
 * each other without a cycle (so none two ways), and no file is over 300 lines.
 */
class PackageLayersTest {

    static final Path ROOT = Path.of("src/main/java/io/outrigger");
    static final Pattern REFERENCE = Pattern.compile("\\bio\\.outrigger\\.([a-z0-9_]+)\\.[A-Za-z]");
    static final Map<String, Set<String>> imports = new TreeMap<>();
    static final Map<Path, Long> lines = new TreeMap<>();

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = ROOT.relativize(file);
                String from = relative.getNameCount() > 1 ? relative.getName(0).toString() : "(root)";
                String text = Files.readString(file);
                lines.put(relative, text.chars().filter(c -> c == '\n').count());
                Set<String> to = imports.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher matcher = REFERENCE.matcher(text);
                while (matcher.find()) {
                    if (!matcher.group(1).equals(from)) {
                        to.add(matcher.group(1));
                    }
                }
            }
        }
        assertThat(imports).as("sources under " + ROOT.toAbsolutePath()).containsKeys("common", "pipeline", "snapshot");
    }

    @Test
    void noPackageReachesItselfThroughItsImports() {
        List<String> cycles = new ArrayList<>();
        for (String start : imports.keySet()) {
            List<String> path = cycleFrom(start, start, new ArrayList<>(List.of(start)), new HashSet<>());
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertThat(cycles).as("import cycles between packages").isEmpty();
    }

    @Test
    void theGroundImportsNoOtherPackage() {
        assertThat(imports.getOrDefault("common", Set.of())).isEmpty();
    }

    @Test
    void noFileIsOver300Lines() {
        assertThat(lines.entrySet().stream().filter(e -> e.getValue() > 300).map(e -> e.getKey() + " " + e.getValue()))
                .isEmpty();
    }

    private static List<String> cycleFrom(String start, String at, List<String> path, Set<String> seen) {
        for (String next : imports.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                return cycle;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = cycleFrom(start, next, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }
}
