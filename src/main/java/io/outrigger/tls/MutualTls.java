package io.outrigger.tls;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.outrigger.common.Direction;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.common.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod's identity as TLS contexts, kept current: each identity {@link IdentityFiles} loads gets
 * new contexts, which replace the old in one write: new handshakes use them, open connections are
 * untouched.
 */
public final class MutualTls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MutualTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** One loaded identity and the contexts made from it. */
    private record State(WorkloadIdentity identity, SslContext server, SslContext tunnelServer,
            Map<ClientKey, SslContext> clients) {
    }

    private record ClientKey(List<String> peerPrincipals, List<String> alpn) {
    }

    private final OutriggerProperties.Tls files;
    private final Clock clock;
    private final SslProvider provider;
    private final Counter handshakeFailuresInbound;
    private final Counter handshakeFailuresOutbound;
    private final IdentityFiles identityFiles;
    private volatile State state;

    public MutualTls(OutriggerProperties.Tls files, Clock clock, MeterRegistry registry) {
        this.files = files;
        this.clock = clock;
        // Asking whether BoringSSL loads extracts and links its native library (a tenth of a
        // second at start): only a sidecar with an identity makes TLS contexts at all.
        this.provider = files.configured() && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        this.handshakeFailuresInbound = handshakeFailures(registry, Direction.INBOUND);
        this.handshakeFailuresOutbound = handshakeFailures(registry, Direction.OUTBOUND);
        MeterCatalog.TLS_CERTIFICATE_EXPIRY.gauge(this, MutualTls::expirySeconds).register(registry);
        if (!files.configured()) {
            this.identityFiles = null;
            return;
        }
        log.info("mutual TLS: identity from {}, {}, {}; TLS by {}", files.certChain(), files.privateKey(),
                files.trustBundle(), provider == SslProvider.OPENSSL ? "BoringSSL" : "the JDK");
        this.identityFiles = new IdentityFiles(files, clock, registry, identity -> state = new State(identity,
                serverContext(identity, provider, Alpn.H2, Alpn.HTTP, Alpn.TCP), serverContext(identity, SslProvider.JDK, Alpn.TCP),
                new ConcurrentHashMap<>()));
    }

    /** Which TLS implementation the contexts use: {@code BoringSSL} or {@code JDK}. */
    public String provider() {
        return provider == SslProvider.OPENSSL ? "BoringSSL" : "JDK";
    }

    /** Whether an identity is configured at all. */
    public boolean configured() {
        return files.configured();
    }

    /** The live identity, or null when none is configured or none has loaded. */
    public WorkloadIdentity identity() {
        State current = state;
        return current == null ? null : current.identity();
    }

    /** Why the identity is not (or no longer) what the files say, or null when all is well. */
    public String error() {
        return identityFiles == null ? null : identityFiles.error();
    }

    /** Whether the live identity can be used at this moment (loaded and not expired). */
    public boolean usable() {
        WorkloadIdentity identity = identity();
        return identity != null && clock.instant().isBefore(identity.notAfter());
    }

    /**
     * The context that terminates sidecar mTLS for what the peer offers (see {@link #providerFor}),
     * or null when there is no usable identity (none loaded, or expired).
     */
    public SslContext server(java.util.List<String> offeredAlpn) {
        State current = state;
        if (current == null || !usable()) {
            return null;
        }
        return offeredAlpn.contains(Alpn.HTTP) ? current.server() : current.tunnelServer();
    }

    /**
     * HTTP goes over BoringSSL when it loads. A TCP tunnel always uses the JDK's TLS: a TCP
     * half-close travels as TLS 1.3's close_notify, which the JDK's engine treats as closing one
     * direction only, while BoringSSL's engine in Netty closes both on receiving it, which would
     * cut off the answer to a request sent before a half-close.
     */
    private SslProvider providerFor(List<String> alpn) {
        return alpn.contains(Alpn.TCP) ? SslProvider.JDK : provider;
    }

    /**
     * The context for originating mTLS to peers with {@code peerPrincipals} (empty: any in this
     * pod's trust domain), offering {@code alpn}; null when there is no identity.
     */
    public SslContext client(List<String> peerPrincipals, List<String> alpn) {
        State current = state;
        if (current == null || !usable()) {
            return null;
        }
        return current.clients().computeIfAbsent(new ClientKey(peerPrincipals, alpn),
                key -> clientContext(current.identity(), key));
    }

    public void handshakeFailed(Direction direction) {
        (direction == Direction.INBOUND ? handshakeFailuresInbound : handshakeFailuresOutbound).increment();
    }

    private SslContext serverContext(WorkloadIdentity identity, SslProvider with, String... alpn) {
        try {
            return SslContextBuilder.forServer(identity.key(), identity.chain())
                    .sslProvider(with)
                    .protocols(PROTOCOLS)
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(new SpiffeTrustManager(identity.trustBundle(),
                            id -> SpiffeId.trustDomain(id).equals(identity.trustDomain()),
                            "only peers of trust domain " + identity.trustDomain() + " are accepted"))
                    .applicationProtocolConfig(alpn(alpn))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot make the server TLS context: " + e.getMessage(), e);
        }
    }

    private SslContext clientContext(WorkloadIdentity identity, ClientKey key) {
        Principals allowed = Principals.of(key.peerPrincipals());
        String rule = allowed.isEmpty()
                ? "the peer must be in trust domain " + identity.trustDomain()
                : "the peer must be one of " + key.peerPrincipals();
        try {
            return SslContextBuilder.forClient()
                    .keyManager(identity.key(), identity.chain())
                    .sslProvider(providerFor(key.alpn()))
                    .protocols(PROTOCOLS)
                    .trustManager(new SpiffeTrustManager(identity.trustBundle(), allowed.isEmpty()
                            ? id -> SpiffeId.trustDomain(id).equals(identity.trustDomain())
                            : allowed::matches, rule))
                    .applicationProtocolConfig(alpn(key.alpn().toArray(String[]::new)))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot make a client TLS context: " + e.getMessage(), e);
        }
    }

    private static ApplicationProtocolConfig alpn(String... protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    private double expirySeconds() {
        WorkloadIdentity identity = identity();
        return identity == null ? 0 : identity.notAfter().getEpochSecond();
    }

    private static Counter handshakeFailures(MeterRegistry registry, Direction direction) {
        return MeterCatalog.TLS_HANDSHAKE_FAILURES.counter()
                .tag(MeterCatalog.DIRECTION, direction.name().toLowerCase()).register(registry);
    }

    public Instant now() {
        return clock.instant();
    }

    @Override
    public void close() {
        if (identityFiles != null) {
            identityFiles.close();
        }
    }
}
