package org.opencmk.kms.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.stream.Stream;
import org.axonframework.serialization.Revision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Names that rest in the event store. Events are stored as JSON by Jackson: the class name is the
 * payload type, record component names are the field names, enum constants are stored by name.
 * Renaming any of them leaves stored events unreadable, so each is pinned here, as hashicorp
 * vault's {@code TestPolicy_KeyTypes} pins its key type names. Adding is fine; renaming or
 * removing needs a new {@code @Revision} and an upcaster instead.
 */
class PersistedNamesTest {

    @Test
    void keySpecNamesAndMaterialLengthsArePinned() {
        assertThat(names(KeySpec.class)).contains("AES_256", "SM4", "RSA_2048", "SM2", "ECC_P256");
        assertThat(KeySpec.valueOf("AES_256").materialLength()).isEqualTo(32);
        assertThat(KeySpec.valueOf("SM4").materialLength()).isEqualTo(16);
    }

    @Test
    void keyUsageNamesArePinned() {
        assertThat(names(KeyUsage.class)).contains("ENCRYPT_DECRYPT", "ASYMMETRIC_DECRYPT_RSA_2048",
                "ASYMMETRIC_DECRYPT_SM2", "ASYMMETRIC_SIGN_VERIFY_SM2", "ASYMMETRIC_SIGN_VERIFY_RSA_2048",
                "ASYMMETRIC_SIGN_VERIFY_ECC");
        assertThat(Arrays.stream(KeyUsage.values()).filter(KeyUsage::isSymmetric))
                .containsExactly(KeyUsage.ENCRYPT_DECRYPT);
    }

    @Test
    void keyStateNamesArePinned() {
        // Tencent's own spelling of KeyState, returned as is by DescribeKey
        assertThat(names(KeyState.class)).contains("Enabled", "Disabled", "PendingDelete", "PendingImport");
    }

    @Test
    void originNamesArePinned() {
        assertThat(names(Origin.class)).contains("TENCENT_KMS", "EXTERNAL");
    }

    @Test
    void protectionLevelNamesArePinned() {
        assertThat(names(ProtectionLevel.class)).contains("SOFTWARE", "HSM");
    }

    static Stream<Arguments> events() {
        return Stream.of(
                shape("KeyCreated", "keyId", "account", "keySpec", "keyUsage", "origin", "protectionLevel",
                        "description", "initialState", "createdAt"),
                shape("KeyVersionCreated", "keyId", "versionId", "material", "primary", "createdAt", "publicKey"),
                shape("KeyDescriptionUpdated", "keyId", "description"),
                shape("KeyEnabled", "keyId"),
                shape("KeyDisabled", "keyId"),
                shape("KeyDeletionScheduled", "keyId", "pendingWindowInDays", "deletionDate"),
                shape("KeyDeletionCancelled", "keyId", "restoredState"),
                shape("KeyDeleted", "keyId", "deletedAt"),
                shape("KeyMaterialImported", "keyId", "versionId", "material", "fingerprint", "validTo",
                        "importedAt"),
                shape("ImportedKeyMaterialDeleted", "keyId", "expired", "deletedAt"),
                shape("KeyRotationEnabled", "keyId", "rotateDays", "period", "nextRotateTime"),
                shape("KeyRotationDisabled", "keyId"),
                shape("NextKeyRotationScheduled", "keyId", "rotated", "nextRotateTime"),
                shape("AliasCreated", "account", "alias", "keyId"),
                shape("AliasUpdated", "account", "alias", "previousKeyId", "keyId"),
                shape("AliasRenamed", "account", "previousAlias", "alias", "keyId"),
                shape("AliasDeleted", "account", "alias", "keyId", "withKey"));
    }

    static Stream<Arguments> eventsAndTheValueTypesInThem() {
        return Stream.concat(events(), Stream.of(
                shape("AccountId", "value"),
                shape("AliasName", "value"),
                shape("KeyId", "value"),
                shape("KeyVersionId", "value"),
                shape("MaterialFingerprint", "bytes"),
                shape("PublicKeyDer", "der"),
                shape("WrappedKeyMaterial", "bytes")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventsAndTheValueTypesInThem")
    void storedRecordKeepsItsClassAndFieldNames(String className, String[] fieldNames) throws Exception {
        Class<?> type = Class.forName("org.opencmk.kms.events." + className);

        assertThat(Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName))
                .containsExactly(fieldNames);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void everyEventCarriesItsFirstRevision(String className, String[] fieldNames) throws Exception {
        Class<?> type = Class.forName("org.opencmk.kms.events." + className);

        assertThat(type.getAnnotation(Revision.class)).extracting(Revision::value).isEqualTo("1");
    }

    private static Arguments shape(String className, String... fieldNames) {
        return Arguments.of(className, fieldNames);
    }

    private static Stream<String> names(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Enum::name);
    }
}
