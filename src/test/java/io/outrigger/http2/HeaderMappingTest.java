package io.outrigger.http2;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderMappingTest {

    @Test
    void aRequestsAuthorityIsItsHostAndSplitCookiesAreJoined() {
        Http2Headers in = new DefaultHttp2Headers().method("POST").path("/pkg.Svc/Call").scheme("http")
                .authority("reviews.shop:9080");
        in.add("cookie", "a=1").add("cookie", "b=2").add("content-type", "application/grpc").add("te", "trailers");
        HttpHeaders out = HeaderMapping.request(in);
        assertThat(out.get("host")).isEqualTo("reviews.shop:9080");
        assertThat(out.get("cookie")).isEqualTo("a=1; b=2");
        assertThat(out.get("content-type")).isEqualTo("application/grpc");
        assertThat(out.names()).noneMatch(name -> name.startsWith(":"));
    }

    @Test
    void aResponseHasItsStatusFirstAndLowercaseNamesWithoutConnectionFields() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Content-Type", "text/plain").add("X-Upstream", "web")
                .add("Connection", "keep-alive").add("Transfer-Encoding", "chunked");
        Http2Headers out = HeaderMapping.response(404, headers);
        assertThat(out.status().toString()).isEqualTo("404");
        assertThat(out.iterator().next().getKey().toString()).isEqualTo(":status");
        assertThat(out.get("x-upstream").toString()).isEqualTo("web");
        assertThat(out.contains("connection")).isFalse();
        assertThat(out.contains("transfer-encoding")).isFalse();
    }

    @Test
    void aGrpcMessageIsPercentEncodedBeyondPrintableAscii() {
        assertThat(StreamExchange.grpcMessage("upstream request timeout")).isEqualTo("upstream request timeout");
        assertThat(StreamExchange.grpcMessage("100% sûr\n")).isEqualTo("100%25 s%C3%BBr%0A");
    }
}
