package io.outrigger.pipeline.fault;

import java.time.Duration;

import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Injected aborts and delays, on all or on a share of the requests. */
class FaultInjectionIT {

    static TestUpstream upstream;
    static Sidecar sidecar;
    static ProxyClient client;

    @BeforeAll
    static void start() {
        upstream = TestUpstream.start("app");
        sidecar = Sidecar.start("""
                outrigger:
                  routes:
                    - name: abort-all
                      hosts: [ "abort-all" ]
                      route: [ { cluster: app } ]
                      fault: { abort: { percent: 100, http-status: 418 } }
                    - name: abort-half
                      hosts: [ "abort-half" ]
                      route: [ { cluster: app } ]
                      fault: { abort: { percent: 50, http-status: 503 } }
                    - name: delay-all
                      hosts: [ "delay-all" ]
                      route: [ { cluster: app } ]
                      fault: { delay: { percent: 100, fixed-delay: 400ms } }
                    - name: delay-then-abort
                      hosts: [ "delay-then-abort" ]
                      route: [ { cluster: app } ]
                      fault:
                        delay: { percent: 100, fixed-delay: 200ms }
                        abort: { percent: 100, http-status: 500 }
                  clusters:
                    app: { endpoints: [ "%s" ] }
                """.formatted(upstream.endpoint()));
        client = new ProxyClient(sidecar.outboundPort());
    }

    @AfterAll
    static void stop() {
        client.close();
        sidecar.close();
        upstream.close();
    }

    @Test
    void anAbortAnswersWithItsStatusAndNeverReachesTheUpstream() {
        upstream.reset();
        ProxyClient.Response response = client.get("abort-all", "/");
        assertThat(response.status()).isEqualTo(418);
        assertThat(response.body()).isEqualTo("fault filter abort\n");
        assertThat(upstream.requests()).isZero();
    }

    @Test
    void aPercentageAbortsAboutThatShare() {
        int aborted = 0;
        for (int i = 0; i < 400; i++) {
            if (client.get("abort-half", "/").status() == 503) {
                aborted++;
            }
        }
        assertThat(aborted).isBetween(140, 260);
    }

    @Test
    void aDelayHoldsTheRequestThenForwardsIt() {
        long start = System.nanoTime();
        ProxyClient.Response response = client.get("delay-all", "/");
        assertThat(response.status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void aDelayComesBeforeAnAbort() {
        long start = System.nanoTime();
        assertThat(client.get("delay-then-abort", "/").status()).isEqualTo(500);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
}
