package org.opencmk.kms.server.protocol;

import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.query.keyview.AliasRecord;
import org.opencmk.kms.query.keyview.KeyRecord;

/**
 * Tencent's {@code KeyMetadata}, plus {@code KeySpec}, {@code ProtectionLevel} and
 * {@code PrimaryKeyVersionId} (the SDKs ignore fields they do not know). Times are Unix seconds;
 * 0 means "none", as Tencent answers.
 *
 * @param type Tencent's CMK type: 2 for a FIPS-standard key (AES), 4 for a Chinese-standard one (SM4)
 */
record KeyMetadata(
        String keyId,
        String alias,
        long createTime,
        String description,
        String keyState,
        String keyUsage,
        int type,
        long creatorUin,
        boolean keyRotationEnabled,
        String owner,
        long nextRotateTime,
        long deletionDate,
        String origin,
        long validTo,
        String resourceId,
        String hsmClusterId,
        long rotateDays,
        long lastRotateTime,
        String keySpec,
        String protectionLevel,
        String primaryKeyVersionId) {

    private static final int TYPE_FIPS = 2;
    private static final int TYPE_GM = 4;

    /** @param hsmClusterId the HSM's name for an HSM key, empty otherwise */
    static KeyMetadata of(KeyRecord key, AliasRecord firstAlias, String hsmClusterId) {
        return new KeyMetadata(
                key.keyId().value(),
                firstAlias == null ? "" : firstAlias.alias().value(),
                key.createdAt().getEpochSecond(),
                key.description(),
                key.state().name(),
                key.keyUsage().name(),
                key.keySpec() == KeySpec.SM4 || key.keySpec() == KeySpec.SM2 ? TYPE_GM : TYPE_FIPS,
                key.account().value(),
                key.rotation().enabled(),
                "user",
                RotationActions.seconds(key.rotation().nextRotateTime()),
                key.deletionDate() == null ? 0 : key.deletionDate().getEpochSecond(),
                key.origin() == Origin.EXTERNAL ? "EXTERNAL" : "TENCENT_KMS",
                key.validTo() == null ? 0 : key.validTo().getEpochSecond(),
                "creatorUin/" + key.account().value() + "/" + key.keyId().value(),
                hsmClusterId,
                key.rotation().rotateDays(),
                RotationActions.seconds(key.rotation().lastRotateTime()),
                key.keySpec().name(),
                key.protectionLevel().name(),
                key.primaryVersion() == null ? null : key.primaryVersion().value());
    }
}
