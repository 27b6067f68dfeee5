package io.outrigger.cluster;

import io.outrigger.common.Problems;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamProtocolTest {

    @Test
    void autoFollowsTheHopAndUpgradesOnlyToSidecars() {
        UpstreamProtocol auto = UpstreamProtocol.DEFAULT;
        assertThat(auto.http2(true, false, false)).isTrue();
        assertThat(auto.http2(false, true, false)).isFalse();
        UpstreamProtocol upgrading = new UpstreamProtocol(UpstreamProtocol.Kind.AUTO, true);
        assertThat(upgrading.http2(false, true, false)).isTrue();
        assertThat(upgrading.http2(false, false, false)).as("not a sidecar").isFalse();
    }

    @Test
    void http1AndHttp2AreWhatTheySayButAWebSocketIsAlwaysHttp1() {
        UpstreamProtocol http1 = new UpstreamProtocol(UpstreamProtocol.Kind.HTTP1, true);
        UpstreamProtocol http2 = new UpstreamProtocol(UpstreamProtocol.Kind.HTTP2, false);
        assertThat(http1.http2(true, true, false)).isFalse();
        assertThat(http2.http2(false, false, false)).isTrue();
        assertThat(http2.http2(false, false, true)).isFalse();
    }

    @Test
    void anUnknownProtocolIsAProblemNamingItsProperty() {
        Problems problems = new Problems();
        assertThat(UpstreamProtocol.compile("HTTP2", false, "outrigger.clusters.a", problems).kind())
                .isEqualTo(UpstreamProtocol.Kind.HTTP2);
        UpstreamProtocol.compile("h3", false, "outrigger.clusters.a", problems);
        assertThat(problems.count()).isEqualTo(1);
        assertThat(problems.list()).singleElement().asString().contains("outrigger.clusters.a.protocol").contains("'h3'");
    }
}
