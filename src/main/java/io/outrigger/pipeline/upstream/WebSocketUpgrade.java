package io.outrigger.pipeline.upstream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.tcp.RelayTally;
import io.outrigger.tcp.Tunnel;
import io.outrigger.tls.Peer;
import io.outrigger.upstream.SwitchedConnection;
import io.outrigger.upstream.UpstreamExchange;
import reactor.core.publisher.Mono;

/**
 * WebSocket upgrades of HTTP/1.1 (RFC 6455 section 4, RFC 9110 section 7.8). A request asking for
 * one, on a route that allows it, goes upstream with the {@code Upgrade} and {@code Connection}
 * headers that every other request loses as hop-by-hop. When the upstream answers 101, the
 * exchange becomes a tunnel: the client gets the 101, and from then on bytes are relayed both ways
 * on the two connections the exchange already has, with the TCP idle timeout and half-close. The
 * exchange ends (logged once, with the bytes of both ways) when both connections have closed.
 *
 * <p>Other upgrade tokens, and WebSocket on a route with {@code websocket: false}, are not an
 * error: the request goes on as plain HTTP/1.1 without {@code Upgrade}. An HTTP/2 request never
 * carries an upgrade.
 */
final class WebSocketUpgrade {

    private static final DefaultHttpHeadersFactory UNVALIDATED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private WebSocketUpgrade() {
    }

    /** If the request asks for a WebSocket and may have one, its upstream headers ask for it too. */
    static void ask(ProxyExchange exchange) {
        HttpHeaders headers = exchange.requestHeaders();
        if (!exchange.http2() && exchange.route().websocket() && "GET".equals(exchange.method())
                && headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            exchange.upstreamHeaders()
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
    }

    /** The upstream answered 101: a tunnel if a WebSocket was asked for and given, else 502 {@code UC}. */
    static Mono<Void> tunnel(ProxyExchange exchange, UpstreamResponse upstream) {
        UpstreamExchange source = upstream.body();
        SwitchedConnection switched = source.switched();
        if (switched == null || !exchange.upstreamHeaders().contains(HttpHeaderNames.UPGRADE)
                || !upstream.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            upstream.discard();   // closes the switched connection
            return LocalReply.send(exchange, 502, ResponseFlag.UC,
                    "upstream switched protocols to something the request did not ask for");
        }
        exchange.upstreamPeer(Peer.of(source.channel()));
        HopByHop.addEndToEnd(upstream.headers(), exchange.responseHeaders());
        exchange.commit(101);
        boolean[] joined = new boolean[1];
        return Mono.<Void>create(sink -> {
            sink.onCancel(() -> {
                if (!joined[0]) {
                    switched.abandon();
                }
            });
            // A task of its own, after the read that brought the 101: whatever came with it has
            // reached the switched connection, and no HTTP decoder is still at work on either side.
            source.channel().eventLoop().execute(() -> {
                Channel downstream = exchange.takeOverConnection();
                if (downstream == null || !downstream.isActive()) {
                    switched.abandon();
                    exchange.addFlag(ResponseFlag.DC);
                    sink.success();
                    return;
                }
                joined[0] = true;
                List<ByteBuf> early = new ArrayList<>(1);
                Channel up = switched.takeOver(early);
                Tunnel.join(downstream, head(exchange.responseHeaders()), up, early, tally(exchange),
                        idleTimeout(exchange), () -> {
                            exchange.responseComplete();
                            sink.success();
                        });
            });
        }).doFinally(signal -> upstream.finish());
    }

    /** The 101 as the client gets it: the upstream's end-to-end headers, with those of the filters. */
    private static ByteBuf head(HttpHeaders response) {
        HttpHeaders headers = HopByHop.addEndToEnd(response, UNVALIDATED.newHeaders());
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        StringBuilder head = new StringBuilder(256).append("HTTP/1.1 101 Switching Protocols\r\n");
        for (Map.Entry<String, String> header : headers) {
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        head.append("connection: upgrade\r\nupgrade: websocket\r\n\r\n");
        return Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
    }

    private static Duration idleTimeout(ProxyExchange exchange) {
        return exchange.snapshot().listener(exchange.direction()).limits().tcpIdleTimeout();
    }

    /** The tunnel's bytes and breaks count as the exchange's. */
    private static RelayTally tally(ProxyExchange exchange) {
        return new RelayTally() {
            @Override
            public void received(int bytes) {
                exchange.addBytesReceived(bytes);
            }

            @Override
            public void sent(int bytes) {
                exchange.addBytesSent(bytes);
            }

            @Override
            public void flag(ResponseFlag flag) {
                exchange.addFlag(flag);
            }

            @Override
            public String describe() {
                return exchange.direction() + " websocket " + exchange.path() + " to " + exchange.upstreamHost();
            }
        };
    }
}
