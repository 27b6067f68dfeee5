package io.outrigger.injection;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonDiff;

/**
 * The JSON Patch (RFC 6902) that turns a pod into its injected form, as an admission review's
 * response carries it ({@code patchType: JSONPatch}). Computed as the difference of the two pods'
 * JSON, so the webhook and {@code outrigger inject} cannot disagree on what injection does.
 */
public final class PodPatch {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private PodPatch() {
    }

    public static JsonNode between(Pod original, Pod injected) {
        return JsonDiff.asJson(SERIALIZATION.convertValue(original, JsonNode.class),
                SERIALIZATION.convertValue(injected, JsonNode.class));
    }
}
