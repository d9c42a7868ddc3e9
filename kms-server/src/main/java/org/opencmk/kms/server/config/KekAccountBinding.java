package org.opencmk.kms.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.query.keyview.KeyView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A start-up migration: key-encryption keys written before KEKs were bound to their owning
 * account (wrapped format version 1) are wrapped again, bound to the account the key view says
 * owns the key. The KEK itself does not change, so every version's material, and every
 * ciphertext, stays readable; from then on a KEK row or an event stream moved to another
 * account no longer unwraps. Idempotent, one key per transaction, and safe beside another node
 * doing the same (the row is locked while it is rewrapped).
 */
final class KekAccountBinding {

    private static final Logger log = LoggerFactory.getLogger(KekAccountBinding.class);
    /** The first byte of a wrapped secret is its format version (see {@code SymmetricCipher#wrap}). */
    private static final String LEGACY_ROWS =
            "SELECT key_id FROM kms_key_encryption_key WHERE get_byte(kek_reference, 0) = 1";

    private final KeyView view;
    private final Keystore keystore;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    KekAccountBinding(KeyView view, Keystore keystore, JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.view = view;
        this.keystore = keystore;
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /** Binds every legacy KEK of a live key to its account; answers the keys whose KEK was bound. */
    List<KeyId> bindLegacyKeyEncryptionKeys() {
        List<String> legacy = jdbc.queryForList(LEGACY_ROWS, String.class);
        List<KeyId> bound = new ArrayList<>();
        for (String id : legacy) {
            KeyId keyId = new KeyId(id);
            Optional<AccountId> owner = view.ownerOf(keyId);
            if (owner.isEmpty()) {
                log.warn("The key-encryption key of {} belongs to no live key; left as it is", keyId);
                continue;
            }
            try {
                Boolean done = transaction.execute(status -> bind(keyId, owner.get()));
                if (Boolean.TRUE.equals(done)) {
                    bound.add(keyId);
                }
            } catch (KeyMaterialUnavailableException e) {
                log.error("The key-encryption key of {} cannot be unwrapped (altered row, or another root key); "
                        + "left as it is, and the key cannot be used", keyId);
            }
        }
        if (!bound.isEmpty()) {
            log.info("Bound {} key-encryption keys written by an earlier release to their owning accounts", bound.size());
        }
        return bound;
    }

    private boolean bind(KeyId keyId, AccountId account) {
        List<byte[]> rows = jdbc.query("SELECT kek_reference FROM kms_key_encryption_key WHERE key_id = ? FOR UPDATE",
                (rs, n) -> rs.getBytes(1), keyId.value());
        if (rows.isEmpty() || rows.get(0).length == 0 || rows.get(0)[0] != 1) {
            return false; // deleted, or bound by another node meanwhile
        }
        byte[] rebound = keystore.bindKeyEncryptionKey(rows.get(0), account, keyId);
        jdbc.update("UPDATE kms_key_encryption_key SET kek_reference = ? WHERE key_id = ?", rebound, keyId.value());
        return true;
    }
}
