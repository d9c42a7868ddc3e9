package org.opencmk.kms.server.account;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.opencmk.kms.server.account.Bootstrap.README_EXAMPLE;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.KmsProperties;

/** The README's example bootstrap credential is public: a server configured with it does not start. */
class BootstrapTest {

    private static final String OWN_SECRET_ID = "AKIDownOwnOwnOwnOwnOwnOwnOwnOwn0001";
    private static final String OWN_SECRET_KEY = "ownSecretKeyOwnSecretKeyOwnSecre";

    @Test
    void theReadmeExampleCredentialIsRefusedAtStartWithAWayToGenerateOne() {
        Bootstrap bootstrap = new Bootstrap(null, null, configured(README_EXAMPLE.secretId(), README_EXAMPLE.secretKey()), null);

        assertThatThrownBy(bootstrap::afterSingletonsInstantiated).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("KMS_BOOTSTRAP_SECRET_ID").hasMessageContaining("README").hasMessageContaining("openssl rand");
    }

    @Test
    void theExampleSecretIdIsRefusedWithAnOwnSecretKeyAndTheKeyIsNotEchoed() {
        assertThatThrownBy(() -> Bootstrap.refuseTheReadmeExample(new KmsProperties.Bootstrap(README_EXAMPLE.secretId(), OWN_SECRET_KEY)))
                .hasMessageContaining("KMS_BOOTSTRAP_SECRET_ID").hasMessageNotContaining(OWN_SECRET_KEY);
    }

    @Test
    void theExampleSecretKeyIsRefusedWithAnOwnSecretId() {
        assertThatThrownBy(() -> Bootstrap.refuseTheReadmeExample(new KmsProperties.Bootstrap(OWN_SECRET_ID, README_EXAMPLE.secretKey())))
                .hasMessageContaining("KMS_BOOTSTRAP_SECRET_KEY").hasMessageNotContaining(README_EXAMPLE.secretKey());
    }

    @Test
    void theExampleSecretKeyIsRefusedEvenWithoutASecretId() {
        assertThatThrownBy(() -> Bootstrap.refuseTheReadmeExample(new KmsProperties.Bootstrap(null, README_EXAMPLE.secretKey())))
                .hasMessageContaining("KMS_BOOTSTRAP_SECRET_KEY");
    }

    @Test
    void anOwnCredentialOrNoneAtAllIsAccepted() {
        assertThatCode(() -> Bootstrap.refuseTheReadmeExample(new KmsProperties.Bootstrap(OWN_SECRET_ID, OWN_SECRET_KEY)))
                .doesNotThrowAnyException();
        assertThatCode(() -> Bootstrap.refuseTheReadmeExample(new KmsProperties.Bootstrap(null, null)))
                .doesNotThrowAnyException();
    }

    private static KmsProperties configured(String secretId, String secretKey) {
        return new KmsProperties(Path.of("unused"), null, null, new KmsProperties.Bootstrap(secretId, secretKey), null, null,
                null, null, null, null, null, null, 50, null, null);
    }
}
