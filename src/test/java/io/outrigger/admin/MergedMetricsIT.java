package io.outrigger.admin;

import io.outrigger.testing.Admin;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Metrics merging: one scrape of the sidecar returns its own metrics and the application's. */
class MergedMetricsIT {

    @Test
    void oneScrapeReturnsBothAndAnApplicationThatDoesNotAnswerCostsOnlyItsOwn() {
        try (TestUpstream app = TestUpstream.start("app")) {
            app.handler((request, response) -> response.sendString(Mono.just(
                    "# TYPE app_orders_total counter\napp_orders_total 7\n# EOF\n")));
            try (Sidecar sidecar = Sidecar.start("outrigger: { access-log: { enabled: false } }",
                    "--OUTRIGGER_APP_METRICS={\"port\":" + app.port() + ",\"path\":\"/metrics\"}")) {
                var merged = Admin.get(sidecar.adminPort(), "/stats/prometheus");
                assertThat(merged.statusCode()).isEqualTo(200);
                assertThat(merged.body()).contains("outrigger_config_version", "app_orders_total 7").doesNotContain("# EOF");
                assertThat(app.last().uri()).isEqualTo("/metrics");
            }
        }
        try (Sidecar sidecar = Sidecar.start("outrigger: { access-log: { enabled: false } }",
                "--OUTRIGGER_APP_METRICS={\"port\":1,\"path\":\"/metrics\"}")) {
            var own = Admin.get(sidecar.adminPort(), "/stats/prometheus");
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(own.body()).contains("outrigger_config_version", "# outrigger: the application's metrics could not be read");
        }
    }
}
