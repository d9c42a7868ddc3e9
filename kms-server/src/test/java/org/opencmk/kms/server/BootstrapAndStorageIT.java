package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;

/**
 * First start without configuration (a generated bootstrap credential), the root key from
 * {@code KMS_ROOT_KEY}, and an external PostgreSQL through {@code KMS_DB_URL}.
 */
class BootstrapAndStorageIT {

    @Test
    void aFirstStartWithoutCredentialsWritesAGeneratedOnePrivatelyAndLogsOnlyItsPath() throws Exception {
        try (KmsServer server = KmsServer.start(Map.of("kms.bootstrap.secret-id", KmsServer.UNSET))) {
            Path file = server.dataDir().resolve("bootstrap-credentials");
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            Properties credentials = new Properties();
            try (var in = Files.newInputStream(file)) {
                credentials.load(in);
            }
            String secretId = credentials.getProperty("SecretId");
            String secretKey = credentials.getProperty("SecretKey");
            KmsClient kms = server.client(secretId, secretKey);
            String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();

            server.restart();
            assertThat(Files.readString(file)).as("a restart issues no new credential").contains(secretKey);
            DescribeKeyRequest describe = new DescribeKeyRequest();
            describe.setKeyId(keyId);
            assertThat(server.client(secretId, secretKey).DescribeKey(describe).getKeyMetadata().getKeyId()).isEqualTo(keyId);

            String log = Files.readString(server.logFile());
            assertThat(log).contains(file.toString()).contains(secretId).doesNotContain(secretKey);
        }
    }

    @Test
    void theRootKeyCanComeFromTheEnvironmentAndTheDatabaseFromAnExternalServer() throws Exception {
        byte[] rootKey = new byte[32];
        new java.security.SecureRandom().nextBytes(rootKey);
        String encodedRootKey = Base64.getEncoder().encodeToString(rootKey);
        try (EmbeddedPostgres external = EmbeddedPostgres.builder().start()) {
            Map<String, String> settings = Map.of(
                    "kms.root-key", encodedRootKey,
                    "kms.db.url", external.getJdbcUrl("postgres", "postgres"),
                    "kms.db.user", "postgres",
                    "kms.db.password", "");
            try (KmsServer server = KmsServer.start(settings)) {
                KmsClient kms = server.adminClient();
                kms.CreateKey(new CreateKeyRequest());
                assertThat(server.dataDir().resolve("root.key")).doesNotExist();
                assertThat(server.dataDir().resolve("postgres")).doesNotExist();
                try (var connection = external.getPostgresDatabase().getConnection();
                     var rows = connection.createStatement().executeQuery("SELECT count(*) FROM kms_key_encryption_key")) {
                    rows.next();
                    assertThat(rows.getInt(1)).isEqualTo(1);
                }
                server.restart();
                assertThat(server.adminClient().ListKeys(new ListKeysRequest()).getTotalCount()).isEqualTo(1);
                assertThat(Files.readString(server.logFile())).doesNotContain(encodedRootKey);
            }
        }
    }
}
