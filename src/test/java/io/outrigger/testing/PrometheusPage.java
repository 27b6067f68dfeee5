package io.outrigger.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scraped Prometheus text page, read series by series. */
public final class PrometheusPage {

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample: its metric name, labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples = new ArrayList<>();

    public PrometheusPage(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, brace);
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0) {
                Matcher matcher = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
                while (matcher.find()) {
                    labels.put(matcher.group(1), matcher.group(2));
                }
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
    }

    /**
     * Scrapes a sidecar until {@code done} holds (at most a second) and returns the last page: a
     * request is counted as its exchange completes, a moment after the client has the response.
     */
    public static PrometheusPage scrapeUntil(int adminPort, Predicate<PrometheusPage> done) {
        return Waits.readUntil(Duration.ofSeconds(1), Duration.ofMillis(20),
                () -> new PrometheusPage(Admin.get(adminPort, "/actuator/prometheus").body()), done);
    }

    /** The samples of {@code name} whose labels include all of {@code labels}. */
    public List<Sample> series(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
    }

    /** The sum of those samples' values (0 when there is none). */
    public double sum(String name, Map<String, String> labels) {
        return series(name, labels).stream().mapToDouble(Sample::value).sum();
    }
}
