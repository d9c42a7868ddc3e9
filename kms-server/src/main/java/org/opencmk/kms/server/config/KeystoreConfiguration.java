package org.opencmk.kms.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.opencmk.kms.crypto.hierarchy.KekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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

    @Bean(destroyMethod = "close")
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

    @Bean(destroyMethod = "close")
    public KeyHierarchy keyHierarchy(Keystore keystore, KekRepository keks, KmsProperties properties) {
        return new KeyHierarchy(keystore, keks, properties.cache().maximumKeys(), properties.cache().expireAfterAccess());
    }

    /** Key-encryption keys in {@code kms_key_encryption_key}, all of them in memory. */
    @Bean
    public JdbcKekRepository kekRepository(JdbcTemplate jdbc) {
        return new JdbcKekRepository(jdbc);
    }
}
