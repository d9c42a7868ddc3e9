package org.opencmk.kms.audit;

import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * {@code java -jar audit-consumer.jar} consumes the KMS's topics into the chain and answers
 * queries over HTTP; {@code java -jar audit-consumer.jar verify} recomputes the chain from the
 * database (same configuration) and exits 0 if it is intact, 1 naming the first broken entry of
 * each broken chain, 2 if it could not be read.
 */
@SpringBootApplication
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConsumerApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals(VerifyCommand.NAME)) {
            System.exit(VerifyCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        SpringApplication.run(AuditConsumerApplication.class, args);
    }
}
