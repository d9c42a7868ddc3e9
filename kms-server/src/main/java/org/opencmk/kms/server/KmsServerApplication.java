package org.opencmk.kms.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class KmsServerApplication {
    public static void main(String[] args) {
        SpringApplication.run(KmsServerApplication.class, args);
    }
}
