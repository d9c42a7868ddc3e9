package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;

/** Per-account throttling answers RequestLimitExceeded at once and changes nothing. */
class ThrottlingIT {

    private static final int BURST = 3;
    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.throttle.requests-per-second", "1", "kms.throttle.burst", Integer.toString(BURST)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAccountOverItsRateIsRefusedWhileOthersAreNot() throws Exception {
        Accounts busy = Accounts.create(server, "busy");
        KmsClient kms = busy.sdk();
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            try {
                kms.CreateKey(new CreateKeyRequest());
                outcomes.add("created");
            } catch (TencentCloudSDKException e) {
                outcomes.add(e.getErrorCode());
            }
        }
        assertThat(outcomes).contains("created", "RequestLimitExceeded").containsOnly("created", "RequestLimitExceeded");
        long created = outcomes.stream().filter("created"::equals).count();

        Accounts calm = Accounts.create(server, "calm");
        assertThat(calm.sdk().ListKeys(new ListKeysRequest()).getTotalCount()).as("another account is not throttled").isZero();

        Thread.sleep(2500);
        assertThat(kms.ListKeys(new ListKeysRequest()).getTotalCount()).as("refused requests created nothing").isEqualTo(created);
    }
}
