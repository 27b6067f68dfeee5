package io.outrigger.pipeline.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** The boundary hides the context below it and changes nothing else. */
class ContextBoundaryTest {

    @Test
    void whatIsSubscribedThroughItSeesAnEmptyContext() {
        Mono<Integer> size = Mono.deferContextual(context -> Mono.just(context.size()));
        StepVerifier.create(new ContextBoundary<>(size).contextWrite(Context.of("request", "id")))
                .expectNext(0)
                .verifyComplete();
        StepVerifier.create(size.contextWrite(Context.of("request", "id")))
                .expectNext(1)
                .verifyComplete();
    }

    @Test
    void valuesErrorsAndEmptinessPassThrough() {
        StepVerifier.create(new ContextBoundary<>(Mono.just("answer"))).expectNext("answer").verifyComplete();
        StepVerifier.create(new ContextBoundary<>(Mono.empty())).verifyComplete();
        StepVerifier.create(new ContextBoundary<>(Mono.error(new IllegalStateException("reset"))))
                .verifyErrorMessage("reset");
    }

    @Test
    void aCancelReachesTheSource() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Mono<String> never = Mono.<String>never().doOnCancel(() -> cancelled.set(true));
        StepVerifier.create(new ContextBoundary<>(never))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(10))
                .thenCancel()
                .verify();
        assertThat(cancelled).isTrue();
    }
}
