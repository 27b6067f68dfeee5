package io.outrigger.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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
import io.outrigger.telemetry.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod's identity as TLS contexts, kept current. The certificate, key and trust bundle files
 * are checked every second; when their contents change (and two checks agree, so a file being
 * written is not read half-way), the identity is loaded and checked again and, if good, new
 * contexts replace the old in one write: new handshakes use them, open connections are untouched.
 * A rotation that fails keeps the previous identity while it is valid.
 */
public final class MutualTls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MutualTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** One loaded identity and the contexts made from it. */
    private record State(WorkloadIdentity identity, SslContext server, SslContext tunnelServer,
            Map<ClientKey, SslContext> clients) {
    }

    private record ClientKey(List<String> peerPrincipals, String alpn) {
    }

    private final OutriggerProperties.Tls files;
    private final Clock clock;
    private final SslProvider provider;
    private final Counter handshakeFailuresInbound;
    private final Counter handshakeFailuresOutbound;
    private final Counter rotationsApplied;
    private final Counter rotationsRejected;
    private final ScheduledExecutorService watcher;
    private volatile State state;
    private volatile String error;
    private String seenDigest;
    private String loadedDigest;
    private Instant failedAt;
    private static final java.time.Duration RETRY_FAILED = java.time.Duration.ofSeconds(30);

    public MutualTls(OutriggerProperties.Tls files, Clock clock, MeterRegistry registry) {
        this.files = files;
        this.clock = clock;
        // Asking whether BoringSSL loads extracts and links its native library (a tenth of a
        // second at start): only a sidecar with an identity makes TLS contexts at all.
        this.provider = files.configured() && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        this.handshakeFailuresInbound = handshakeFailures(registry, Direction.INBOUND);
        this.handshakeFailuresOutbound = handshakeFailures(registry, Direction.OUTBOUND);
        this.rotationsApplied = rotations(registry, "applied");
        this.rotationsRejected = rotations(registry, "rejected");
        MeterCatalog.TLS_CERTIFICATE_EXPIRY.gauge(this, MutualTls::expirySeconds).register(registry);
        if (!files.configured()) {
            this.watcher = null;
            return;
        }
        log.info("mutual TLS: identity from {}, {}, {}; TLS by {}", files.certChain(), files.privateKey(),
                files.trustBundle(), provider == SslProvider.OPENSSL ? "BoringSSL" : "the JDK");
        check();
        this.watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("outrigger-tls-files").factory());
        watcher.scheduleWithFixedDelay(this::checkSafely, 1, 1, TimeUnit.SECONDS);
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
        return error;
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
    private SslProvider providerFor(String alpn) {
        return Alpn.TCP.equals(alpn) ? SslProvider.JDK : provider;
    }

    /**
     * The context for originating mTLS to peers with {@code peerPrincipals} (empty: any in this
     * pod's trust domain), offering {@code alpn}; null when there is no identity.
     */
    public SslContext client(List<String> peerPrincipals, String alpn) {
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

    /** Loads the files if their contents changed and have settled. Runs on the watcher thread (and once at start). */
    synchronized void check() {
        String digest = digest();
        boolean changedSinceLastCheck = !digest.equals(seenDigest);
        seenDigest = digest;
        // Files that failed are tried again now and then: "not valid yet" turns valid with time.
        boolean retryFailure = failedAt != null && digest.equals(loadedDigest)
                && clock.instant().isAfter(failedAt.plus(RETRY_FAILED));
        if (!retryFailure && (digest.equals(loadedDigest) || loadedDigest != null && changedSinceLastCheck)) {
            return;   // unchanged, or still changing: load once two checks agree
        }
        loadedDigest = digest;   // a bad set of files is tried once, then again only when it changes
        try {
            WorkloadIdentity identity = WorkloadIdentity.load(files, clock.instant());
            state = new State(identity, serverContext(identity, provider, Alpn.HTTP, Alpn.TCP),
                    serverContext(identity, SslProvider.JDK, Alpn.TCP), new ConcurrentHashMap<>());
            error = null;
            failedAt = null;
            rotationsApplied.increment();
            log.info("mutual TLS: identity {} loaded (serial {}, valid until {})", identity.spiffeId(),
                    identity.leaf().getSerialNumber().toString(16), identity.notAfter());
        } catch (RuntimeException e) {
            error = e.getMessage();
            failedAt = clock.instant();
            rotationsRejected.increment();
            log.error("mutual TLS: identity not loaded, {}: {}", state == null ? "no identity to serve with"
                    : "the previous one (" + state.identity().spiffeId() + ") stays", e.getMessage());
        }
    }

    /** A scheduled task that throws is never run again: nothing may escape. */
    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.error("mutual TLS: checking the identity files failed", e);
        }
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
                    .applicationProtocolConfig(alpn(key.alpn()))
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

    /** SHA-256 over the three files' contents (following symlinks), or of the error reading them. */
    private String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String file : new String[] {files.certChain(), files.privateKey(), files.trustBundle()}) {
                try {
                    sha.update(file == null ? new byte[0] : Files.readAllBytes(Path.of(file)));
                } catch (IOException e) {
                    sha.update(e.toString().getBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private double expirySeconds() {
        WorkloadIdentity identity = identity();
        return identity == null ? 0 : identity.notAfter().getEpochSecond();
    }

    private static Counter handshakeFailures(MeterRegistry registry, Direction direction) {
        return MeterCatalog.TLS_HANDSHAKE_FAILURES.counter()
                .tag(MeterCatalog.DIRECTION, direction.name().toLowerCase()).register(registry);
    }

    private static Counter rotations(MeterRegistry registry, String result) {
        return MeterCatalog.TLS_IDENTITY_LOADS.counter()
                .tag(MeterCatalog.RESULT, result).register(registry);
    }

    public Instant now() {
        return clock.instant();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
