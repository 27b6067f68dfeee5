package io.outrigger.injection;

import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What the injector puts into a pod, apart from what it reads from the pod itself.
 *
 * @param image             the Outrigger image (it carries {@code outrigger-init} too)
 * @param configMap         the routes ConfigMap, mounted where the sidecar watches its config file
 * @param certificateSecret the Secret with the pod's SPIFFE certificate ({@code tls.crt},
 *                          {@code tls.key}, {@code ca.crt}, as cert-manager writes them);
 *                          {@code {serviceAccount}} in it is the pod's service account. Null: no
 *                          identity, so no mTLS and no {@code tlsMode} label.
 */
public record SidecarTemplate(String image, String configMap, String certificateSecret, Quantity cpu, Quantity memory,
        Quantity memoryLimit) {

    /** The manifests' values: image {@code outrigger}, ConfigMap {@code outrigger}, no identity. */
    public static final SidecarTemplate DEFAULT = new SidecarTemplate("outrigger", "outrigger", null,
            new Quantity("100m"), new Quantity("128Mi"), new Quantity("256Mi"));

    public SidecarTemplate withImage(String image) {
        return new SidecarTemplate(image, configMap, certificateSecret, cpu, memory, memoryLimit);
    }

    public SidecarTemplate withCertificateSecret(String secret) {
        return new SidecarTemplate(image, configMap, secret, cpu, memory, memoryLimit);
    }
}
