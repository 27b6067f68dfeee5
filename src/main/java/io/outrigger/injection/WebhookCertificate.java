package io.outrigger.injection;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.outrigger.common.SettledFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * Serves a renewed webhook certificate without a restart. The files are polled by content, read
 * through symlinks ({@link SettledFiles}), because the kubelet renews a Secret volume by swapping
 * its {@code ..data} symlink: no event names {@code tls.crt}, so a watch on those names (Spring
 * Boot's {@code reload-on-update}) never fires. A change is handed to the server as an update of
 * the SSL bundle; a pair that does not load is logged and the one served stays.
 */
final class WebhookCertificate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookCertificate.class);

    private final ScheduledExecutorService poll = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("outrigger-webhook-certificate").factory());

    /** @param certificate, privateKey Spring resource locations ({@code file:/...}) */
    WebhookCertificate(SslBundleRegistry registry, String bundle, String certificate, String privateKey) {
        SettledFiles files = new SettledFiles(List.of(path(certificate), path(privateKey)));
        poll.scheduleWithFixedDelay(() -> {
            if (files.changed().isEmpty()) {
                return;
            }
            try {
                registry.updateBundle(bundle, SslBundle.of(new PemSslStoreBundle(
                        PemSslStoreDetails.forCertificate(certificate).withPrivateKey(privateKey), null)));
                log.info("injector: serving the renewed certificate {}", certificate);
            } catch (RuntimeException e) {
                log.warn("injector: the renewed certificate {} does not load, the current one keeps serving: {}", certificate,
                        e.getMessage());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static Path path(String location) {
        return Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
    }

    @Override
    public void close() {
        poll.shutdownNow();
    }
}
