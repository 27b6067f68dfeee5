package io.outrigger;

import io.outrigger.listener.Drainer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Outrigger, a service-mesh sidecar proxy. */
@SpringBootApplication
public class OutriggerApplication {

    public static void main(String[] args) {
        SpringApplication.run(OutriggerApplication.class, args).getBean(Drainer.class).handleSigterm();
    }
}
