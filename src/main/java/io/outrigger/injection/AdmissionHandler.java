package io.outrigger.injection;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Answers one {@code admission.k8s.io/v1} AdmissionReview of a pod: the JSON Patch that injects it,
 * or none. The webhook's selectors have already chosen the namespaces and pods sent here, so only
 * the pod itself can still say no ({@link InjectionPolicy}). A pod that cannot be injected as it
 * is (an annotation that does not parse) is refused with the reason, or, with {@code allowOnError},
 * admitted unpatched with a warning. A body that is not a review gets an {@link InvalidReview}.
 */
public final class AdmissionHandler {

    /** What became of a review, for the metrics. */
    public enum Result { INJECTED, SKIPPED, REFUSED, ALLOWED_UNPATCHED }

    /** The answer, and what it was. */
    public record Answer(String json, Result result) {
    }

    /** A body that is not an AdmissionReview the injector can answer: the message says why. */
    public static final class InvalidReview extends Exception {
        public InvalidReview(String message) {
            super(message);
        }
    }

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Map<String, String> SELECTED = Map.of(InjectionPolicy.NAMESPACE_LABEL, "enabled");

    private final InjectionPolicy policy;
    private final PodInjector injector;
    private final boolean allowOnError;

    public AdmissionHandler(InjectionPolicy policy, PodInjector injector, boolean allowOnError) {
        this.policy = policy;
        this.injector = injector;
        this.allowOnError = allowOnError;
    }

    public Answer review(String body) throws InvalidReview {
        AdmissionReview review;
        try {
            review = SERIALIZATION.unmarshal(body, AdmissionReview.class);
        } catch (RuntimeException e) {
            throw new InvalidReview("not JSON of an AdmissionReview: " + e.getMessage());
        }
        if (review == null || !"AdmissionReview".equals(review.getKind()) || !"admission.k8s.io/v1".equals(review.getApiVersion())) {
            throw new InvalidReview("expected kind AdmissionReview, apiVersion admission.k8s.io/v1");
        }
        AdmissionRequest request = review.getRequest();
        if (request == null || request.getUid() == null || request.getUid().isBlank()) {
            throw new InvalidReview("the review has no request.uid to answer");
        }
        if (request.getKind() == null || !"Pod".equals(request.getKind().getKind()) || request.getObject() == null) {
            return answer(request, new AdmissionResponseBuilder().withAllowed(true), Result.SKIPPED);
        }
        Pod pod;
        try {
            pod = SERIALIZATION.convertValue(request.getObject(), Pod.class);
        } catch (RuntimeException e) {
            throw new InvalidReview("request.object is not a pod: " + e.getMessage());
        }
        if (pod.getMetadata() == null || pod.getSpec() == null) {
            throw new InvalidReview("request.object is a pod without metadata or spec");
        }
        if (!policy.decide(pod, request.getNamespace(), SELECTED).inject()) {
            return answer(request, new AdmissionResponseBuilder().withAllowed(true), Result.SKIPPED);
        }
        try {
            Pod injected = injector.inject(pod);
            String patch = PodPatch.between(pod, injected).toString();
            return answer(request, new AdmissionResponseBuilder().withAllowed(true).withPatchType("JSONPatch")
                    .withPatch(Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8))), Result.INJECTED);
        } catch (InjectionException e) {
            String reason = "outrigger injector: " + e.getMessage();
            return allowOnError
                    ? answer(request, new AdmissionResponseBuilder().withAllowed(true).withWarnings(List.of(reason)),
                            Result.ALLOWED_UNPATCHED)
                    : answer(request, new AdmissionResponseBuilder().withAllowed(false)
                            .withStatus(new StatusBuilder().withCode(400).withMessage(reason).build()), Result.REFUSED);
        }
    }

    private static Answer answer(AdmissionRequest request, AdmissionResponseBuilder response, Result result) {
        AdmissionResponse built = response.withUid(request.getUid()).build();
        AdmissionReview review = new AdmissionReview();
        review.setApiVersion("admission.k8s.io/v1");
        review.setKind("AdmissionReview");
        review.setResponse(built);
        return new Answer(SERIALIZATION.asJson(review), result);
    }
}
