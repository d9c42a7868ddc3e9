package org.opencmk.kms.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;
import org.opencmk.kms.crypto.hierarchy.KekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore;
import org.opencmk.kms.crypto.keystore.pkcs11.Pkcs11Keystore;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The software keystore (root key from {@code KMS_ROOT_KEY}, else the file
 * {@code <data dir>/root.key}, created with 0600 rights on first start) and the key hierarchy
 * whose key-encryption keys live in the database, wrapped under the root key.
 */
@Configuration(proxyBeanMethods = false)
public class KeystoreConfiguration {

    static final String ROOT_KEY_FILE = "root.key";
    private static final Logger log = LoggerFactory.getLogger(KeystoreConfiguration.class);

    /** The software keystore: primary, so that what wraps the KMS's own secrets is always this one. */
    @Bean(destroyMethod = "close")
    @Primary
    public Keystore keystore(KmsProperties properties) {
        if (properties.rootKey() != null && !properties.rootKey().isBlank()) {
            log.info("Software keystore: root key from KMS_ROOT_KEY");
            return SoftwareKeystore.fromBase64(properties.rootKey().trim());
        }
        try {
            Files.createDirectories(properties.dataDir());
            var file = properties.dataDir().resolve(ROOT_KEY_FILE);
            log.info("Software keystore: root key file {}", file.toAbsolutePath());
            return SoftwareKeystore.openOrCreate(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the root key in " + properties.dataDir(), e);
        }
    }

    /**
     * The HSM level's keystore when {@code KMS_HSM_PKCS11_LIBRARY} is set: the token, opened now if
     * it can be, else again every few seconds (the server starts and serves SOFTWARE keys
     * meanwhile; see {@link ReopeningTokenKeystore}).
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnExpression("'${kms.hsm.pkcs11-library:}' != ''")
    public TokenKeystore tokenKeystore(KmsProperties properties) {
        KmsProperties.Hsm hsm = properties.hsm();
        log.info("HSM keystore: PKCS#11 library {}, token {}", hsm.pkcs11Library(), hsm.clusterId());
        return new ReopeningTokenKeystore(() -> openToken(hsm), Pkcs11Keystore::isTokenReference, Clock.systemUTC());
    }

    private static TokenKeystore openToken(KmsProperties.Hsm hsm) {
        char[] pin = pin(hsm);
        try {
            return hsm.tokenLabel() != null && !hsm.tokenLabel().isBlank()
                    ? Pkcs11Keystore.openByLabel(hsm.pkcs11Library(), hsm.tokenLabel(), pin)
                    : Pkcs11Keystore.openBySlotIndex(hsm.pkcs11Library(), hsm.slotIndex() == null ? 0 : hsm.slotIndex(), pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /** The PIN from KMS_HSM_PIN, or from the file KMS_HSM_PIN_FILE (its first line), which only its owner may read. */
    private static char[] pin(KmsProperties.Hsm hsm) {
        if (hsm.pin() != null && !hsm.pin().isEmpty()) {
            return hsm.pin().toCharArray();
        }
        if (hsm.pinFile() == null) {
            throw new KeystoreUnavailableException("no PIN: set KMS_HSM_PIN or KMS_HSM_PIN_FILE");
        }
        try {
            if (Files.getFileAttributeView(hsm.pinFile(), PosixFileAttributeView.class) != null) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(hsm.pinFile());
                if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                    throw new KeystoreUnavailableException("the PIN file " + hsm.pinFile()
                            + " may be read or written by others than its owner: chmod 600 it");
                }
            }
            byte[] bytes = Files.readAllBytes(hsm.pinFile());
            try {
                String text = new String(bytes, StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                return (end < 0 ? text : text.substring(0, end)).strip().toCharArray();
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        } catch (IOException e) {
            throw new KeystoreUnavailableException("the PIN file " + hsm.pinFile() + " cannot be read: " + e.getMessage());
        }
    }

    @Bean(destroyMethod = "close")
    public KeyHierarchy keyHierarchy(Keystore keystore, ObjectProvider<TokenKeystore> token, KekRepository keks,
                                     KmsProperties properties) {
        return new KeyHierarchy(keystore, token.getIfAvailable(), keks, properties.cache().maximumKeys(),
                properties.cache().expireAfterAccess());
    }

    /** Key-encryption keys in {@code kms_key_encryption_key}, all of them in memory. */
    @Bean
    public JdbcKekRepository kekRepository(JdbcTemplate jdbc) {
        return new JdbcKekRepository(jdbc);
    }
}
