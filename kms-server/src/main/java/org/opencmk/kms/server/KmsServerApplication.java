package org.opencmk.kms.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The KMS server: {@code java -jar kms-server.jar} runs it on its embedded defaults. */
@SpringBootApplication(scanBasePackages = "org.opencmk.kms")
@EnableConfigurationProperties(KmsProperties.class)
@EnableScheduling
public class KmsServerApplication {

    public static void main(String[] args) {
        // Axon's update checker and console banner call home; this server never does.
        System.setProperty("axoniq.update-checker.disabled", "true");
        System.setProperty("disable-axoniq-console-message", "true");
        SpringApplication.run(KmsServerApplication.class, args);
    }
}
