package org.opencmk.kms.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Key ids are lower-case UUIDs, as Tencent Cloud KMS issues them. */
class KeyIdTest {

    private static final String LOWER_CASE = "0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30";
    private static final String UPPER_CASE = "0F8B7D2C-3A4E-4C1B-9D6F-2B5E8A7C1D30";

    @Test
    void lowerCaseUuidIsAKeyId() {
        KeyId keyId = new KeyId(LOWER_CASE);

        assertThat(keyId.value()).isEqualTo(LOWER_CASE);
        assertThat(keyId).hasToString(LOWER_CASE);
        assertThat(keyId.uuid()).isEqualTo(UUID.fromString(LOWER_CASE));
    }

    @Test
    void upperCaseUuidIsNotAKeyIdButLooksLikeOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> new KeyId(UPPER_CASE));
        assertThat(KeyId.looksLikeKeyId(UPPER_CASE)).isTrue();
        assertThat(KeyId.looksLikeKeyId("0f8b7d2c-3A4E-4c1b-9D6F-2b5e8a7c1d30")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d3",    // 35 characters
            "0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d300",  // 37 characters
            "0f8b7d2c3a4e-4c1b-9d6f-2b5e8a7c1d30-",   // hyphen out of place
            "0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d3g",   // not hexadecimal
            "0f8b7d2c_3a4e_4c1b_9d6f_2b5e8a7c1d30",
            "{0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d}",
            "payroll"})
    void textWithoutTheShapeOfAUuidIsNeitherAKeyIdNorLooksLikeOne(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> new KeyId(text));
        assertThat(KeyId.looksLikeKeyId(text)).isFalse();
    }

    @Test
    void nullIsRefused() {
        assertThatNullPointerException().isThrownBy(() -> new KeyId(null));
        assertThat(KeyId.looksLikeKeyId(null)).isFalse();
    }

    @Test
    void keyIdsMadeHereAreCanonical() {
        UUID uuid = UUID.fromString(UPPER_CASE);

        assertThat(KeyId.of(uuid).value()).isEqualTo(LOWER_CASE);
        assertThat(KeyId.random().value()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(KeyId.random()).isNotEqualTo(KeyId.random());
    }

    @Test
    void keyVersionIdsFollowTheSameRule() {
        assertThat(new KeyVersionId(LOWER_CASE).uuid()).isEqualTo(UUID.fromString(LOWER_CASE));
        assertThatIllegalArgumentException().isThrownBy(() -> new KeyVersionId(UPPER_CASE));
        assertThat(KeyVersionId.random().value()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void keyIdsAreEqualByValue() {
        assertThat(new KeyId(LOWER_CASE)).isEqualTo(new KeyId(LOWER_CASE)).hasSameHashCodeAs(new KeyId(LOWER_CASE));
    }
}
