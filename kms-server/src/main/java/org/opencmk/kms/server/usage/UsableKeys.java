package org.opencmk.kms.server.usage;

import java.util.function.Predicate;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.query.keyview.KeyView;

/**
 * The checks every cryptographic call makes before it touches material: the key exists for the
 * caller, may be used now (SPEC "KeyState"), and its KeyUsage allows the call. From the key view
 * only: no aggregate is loaded, no database is read.
 */
final class UsableKeys {

    /** What a call does with a key, and which KeyUsages allow it. */
    enum Use {
        SYMMETRIC(KeyUsage::isSymmetric, "only ENCRYPT_DECRYPT keys encrypt and decrypt data"),
        SIGN(KeyUsage::signs, "only ASYMMETRIC_SIGN_VERIFY_* keys sign and verify"),
        ASYMMETRIC_DECRYPT(KeyUsage::decryptsAsymmetrically, "only ASYMMETRIC_DECRYPT_* keys decrypt with their private key"),
        PUBLIC_KEY(usage -> !usage.isSymmetric(), "only asymmetric keys have a public key");

        private final Predicate<KeyUsage> allows;
        private final String refusal;

        Use(Predicate<KeyUsage> allows, String refusal) {
            this.allows = allows;
            this.refusal = refusal;
        }
    }

    private final KeyView view;

    UsableKeys(KeyView view) {
        this.view = view;
    }

    /** The key the caller names by id or alias, checked for {@code use}. */
    KeyRecord resolve(AccountId account, String keyIdOrAlias, Use use) {
        if (keyIdOrAlias == null || keyIdOrAlias.isEmpty()) {
            throw new KmsException(KmsError.MISSING_PARAMETER, "KeyId is required");
        }
        KeyRecord key = view.resolve(account, keyIdOrAlias)
                .orElseThrow(() -> KmsException.keyNotFound(keyIdOrAlias));
        require(key, use);
        return key;
    }

    /** Disabled, PendingDelete and PendingImport keys refuse every operation; so does a KeyUsage that does not fit. */
    static void require(KeyRecord key, Use use) {
        switch (key.state()) {
            case Enabled -> { }
            case Disabled -> throw new KmsException(KmsError.KEY_DISABLED, "the key is disabled");
            case PendingDelete -> throw new KmsException(KmsError.KEY_PENDING_DELETE, "the key is pending deletion");
            case PendingImport -> throw new KmsException(KmsError.KEY_PENDING_IMPORT, "the key has no key material");
        }
        if (!use.allows.test(key.keyUsage())) {
            throw new KmsException(KmsError.KEY_USAGE_NOT_SUPPORTED,
                    "the key's KeyUsage is " + key.keyUsage() + ": " + use.refusal);
        }
    }

    /**
     * The version an asymmetric call names, or the newest when it names none (CTyun guide 3.2.6:
     * asymmetric keys have no primary version).
     */
    static KeyVersion version(KeyRecord key, String keyVersionId) {
        if (keyVersionId == null || keyVersionId.isEmpty()) {
            return key.newest().orElseThrow(() -> new KmsException(KmsError.KEY_PENDING_IMPORT, "the key has no key material"));
        }
        KeyVersionId id;
        try {
            id = new KeyVersionId(keyVersionId);
        } catch (IllegalArgumentException notAnId) {
            throw versionNotFound(key);
        }
        return key.version(id).orElseThrow(() -> versionNotFound(key));
    }

    private static KmsException versionNotFound(KeyRecord key) {
        return new KmsException(KmsError.KEY_VERSION_NOT_FOUND,
                "the key " + key.keyId().value() + " has no such KeyVersionId (ListKeyVersions lists its versions)");
    }
}
