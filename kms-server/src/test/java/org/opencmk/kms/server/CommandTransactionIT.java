package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.UpdateKeyDescriptionRequest;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.lifecycle.UpdateKeyDescription;
import org.opencmk.kms.server.support.KmsServer;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A command runs in one database transaction with the events it stores: when it fails after its
 * event is already in the (JDBC, PostgreSQL) event store, the event is rolled back with it. This
 * is what breaks silently if Axon runs with its {@code NoTransactionManager} (NOTES.md, Boot 4).
 */
class CommandTransactionIT {

    /** The description that makes {@link FailAfterTheEventIsStored} fail the command. */
    private static final String FAILING_DESCRIPTION = "fail after the event is stored";
    private static final String FIRST_DESCRIPTION = "first";
    private static final AtomicLong eventsSeenBeforeTheFailure = new AtomicLong(-1);

    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("spring.main.sources", FailAfterTheEventIsStored.class.getName()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aCommandThatFailsAfterItsEventIsStoredLeavesNothingInTheEventStore() throws Exception {
        KmsClient kms = server.adminClient();
        CreateKeyRequest create = new CreateKeyRequest();
        create.setDescription(FIRST_DESCRIPTION);
        String keyId = kms.CreateKey(create).getKeyId();
        long eventsBefore = events(keyId);

        assertThatThrownBy(() -> kms.UpdateKeyDescription(update(keyId, FAILING_DESCRIPTION)))
                .isInstanceOf(TencentCloudSDKException.class);

        assertThat(eventsSeenBeforeTheFailure).as("the event was in the store when the command failed").hasValue(eventsBefore + 1);
        assertThat(events(keyId)).as("and it is not any more").isEqualTo(eventsBefore);
        assertThat(description(kms, keyId)).isEqualTo(FIRST_DESCRIPTION);

        kms.UpdateKeyDescription(update(keyId, "second"));
        assertThat(events(keyId)).as("the next change takes the sequence number the failed one left free").isEqualTo(eventsBefore + 1);
        assertThat(description(kms, keyId)).isEqualTo("second");
    }

    /**
     * Extra configuration for this test's server (through {@code spring.main.sources}; without a
     * stereotype, so no other test's server scans it): fails an UpdateKeyDescription carrying
     * {@link #FAILING_DESCRIPTION} in the prepare-commit phase, after the event store's own
     * prepare-commit step (registered first, when the aggregate applied the event) stored it.
     */
    static class FailAfterTheEventIsStored {
        @Bean
        MessageHandlerInterceptor<CommandMessage<?>> failAfterTheEventIsStored(JdbcTemplate jdbc) {
            return (unitOfWork, chain) -> {
                Object result = chain.proceed();
                if (unitOfWork.getMessage().getPayload() instanceof UpdateKeyDescription update
                        && FAILING_DESCRIPTION.equals(update.description())) {
                    unitOfWork.onPrepareCommit(u -> {
                        eventsSeenBeforeTheFailure.set(countEvents(jdbc, update.keyId().toString()));
                        throw new IllegalStateException("failing on purpose, after the event was stored");
                    });
                }
                return result;
            };
        }
    }

    private static long events(String keyId) {
        return countEvents(server.bean(JdbcTemplate.class), keyId);
    }

    private static long countEvents(JdbcTemplate jdbc, String aggregateId) {
        return jdbc.queryForObject("SELECT count(*) FROM domainevententry WHERE aggregateidentifier = ?", Long.class, aggregateId);
    }

    private static UpdateKeyDescriptionRequest update(String keyId, String description) {
        UpdateKeyDescriptionRequest request = new UpdateKeyDescriptionRequest();
        request.setKeyId(keyId);
        request.setDescription(description);
        return request;
    }

    private static String description(KmsClient kms, String keyId) throws TencentCloudSDKException {
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(keyId);
        return kms.DescribeKey(describe).getKeyMetadata().getDescription();
    }
}
