package org.opencmk.kms.server.account;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * First start: the default account and one administrative credential, from
 * {@code KMS_BOOTSTRAP_SECRET_ID}/{@code KMS_BOOTSTRAP_SECRET_KEY} when set (but never the
 * README's example, {@link #README_EXAMPLE}), else generated and written to
 * {@code <data dir>/bootstrap-credentials} (0600). The path is logged, the secret never.
 * Runs before the server accepts requests.
 */
@Component
public class Bootstrap implements SmartInitializingSingleton {

    static final String CREDENTIALS_FILE = "bootstrap-credentials";
    /**
     * The credential earlier versions of the README's quick start told everyone to export: public,
     * so it must never open an account. Either value alone is refused too.
     */
    static final KmsProperties.Bootstrap README_EXAMPLE =
            new KmsProperties.Bootstrap("AKIDexampleExampleExampleExample01", "change-me-to-32-random-characters");
    private static final String HOW_TO_GENERATE =
            "KMS_BOOTSTRAP_SECRET_ID=AKID$(openssl rand -hex 16) KMS_BOOTSTRAP_SECRET_KEY=$(openssl rand -base64 24)";
    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

    private final Accounts accounts;
    private final Credentials credentials;
    private final KmsProperties properties;
    private final TransactionTemplate transaction;

    public Bootstrap(Accounts accounts, Credentials credentials, KmsProperties properties, TransactionTemplate transaction) {
        this.accounts = accounts;
        this.credentials = credentials;
        this.properties = properties;
        this.transaction = transaction;
    }

    @Override
    public void afterSingletonsInstantiated() {
        refuseTheReadmeExample(properties.bootstrap());
        transaction.executeWithoutResult(status -> bootstrap());
    }

    /** Stops the start when a configured value is the README's example (names the setting, never echoes a value). */
    static void refuseTheReadmeExample(KmsProperties.Bootstrap given) {
        String setting = README_EXAMPLE.secretId().equals(given.secretId()) ? "KMS_BOOTSTRAP_SECRET_ID"
                : README_EXAMPLE.secretKey().equals(given.secretKey()) ? "KMS_BOOTSTRAP_SECRET_KEY"
                : null;
        if (setting != null) {
            throw new IllegalStateException(setting + " is the example value from the README, which anyone can read; "
                    + "refusing to start. Generate your own credential, e.g. " + HOW_TO_GENERATE);
        }
    }

    private void bootstrap() {
        KmsProperties.Bootstrap given = properties.bootstrap();
        AccountId account = accounts.defaultAccount().orElse(null);
        if (account == null) {
            account = accounts.insert(Accounts.DEFAULT_ACCOUNT_NAME);
            log.info("Created the default account {}", account);
            if (!given.given()) {
                IssuedCredential issued = credentials.issue(account, true);
                Path file = writeCredentialsFile(issued);
                log.info("Created the bootstrap credential {}; its SecretKey is in {}", issued.secretId(), file);
                return;
            }
        }
        if (given.given()) {
            if (credentials.find(given.secretId()).isEmpty()) {
                credentials.store(account, given.secretId(), given.secretKey(), true);
                log.info("Stored the bootstrap credential {} from the environment", given.secretId());
            } else if (!credentials.hasSecretKey(given.secretId(), given.secretKey())) {
                throw new IllegalStateException("KMS_BOOTSTRAP_SECRET_ID " + given.secretId()
                        + " already exists with another SecretKey; refusing to start");
            }
        }
    }

    private Path writeCredentialsFile(IssuedCredential issued) {
        Path dir = properties.dataDir();
        Path file = dir.resolve(CREDENTIALS_FILE);
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, CREDENTIALS_FILE, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            String text = "SecretId=" + issued.secretId() + "\nSecretKey=" + issued.secretKey()
                    + "\nAccountId=" + issued.account() + "\n";
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
