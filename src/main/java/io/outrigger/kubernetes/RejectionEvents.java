package io.outrigger.kubernetes;

import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.snapshot.ReloadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a refused configuration visible where a Kubernetes user looks first: a Warning Event on
 * the pod ({@code kubectl get events}; {@code kubectl describe pod} too when the pod's uid is
 * known, from {@code OUTRIGGER_IDENTITY_POD_UID}), reason
 * {@code ConfigRejected}, naming the fields and errors. Posted from a thread of its own, so a
 * slow or unreachable API server never delays a reload.
 */
final class RejectionEvents implements AutoCloseable {

    static final String REASON = "ConfigRejected";
    private static final Logger log = LoggerFactory.getLogger(RejectionEvents.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final String namespace;
    private final String pod;
    private final String podUid;
    private final ExecutorService poster = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("outrigger-k8s-events").factory());

    /** @param podUid the pod's uid, which {@code kubectl describe pod} matches events on; null if unknown */
    RejectionEvents(KubernetesClient client, String namespace, String pod, String podUid) {
        this.client = client;
        this.namespace = namespace;
        this.pod = pod;
        this.podUid = podUid;
    }

    void onReload(ReloadResult result) {
        if (result.outcome() != ReloadResult.Outcome.REJECTED) {
            return;
        }
        try {
            poster.execute(() -> post(result));
        } catch (RejectedExecutionException closing) {
            // shutting down: the log line and the metric already tell
        }
    }

    private void post(ReloadResult result) {
        String message = "config from " + result.source() + " refused, version " + result.version()
                + " keeps serving: " + String.join("; ", result.errors());
        Instant now = result.time();
        Event event = new EventBuilder()
                .withNewMetadata().withGenerateName(pod + ".").withNamespace(namespace).endMetadata()
                .withType("Warning")
                .withReason(REASON)
                .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 1) + "…" : message)
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withName(pod).withNamespace(namespace).withUid(podUid)
                .endInvolvedObject()
                .withNewSource().withComponent("outrigger").endSource()
                .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
        } catch (RuntimeException e) {
            log.warn("could not post the {} event on pod {}/{}: {}", REASON, namespace, pod, e.toString());
        }
    }

    @Override
    public void close() {
        poster.shutdown();
    }
}
