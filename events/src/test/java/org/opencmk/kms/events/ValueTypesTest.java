package org.opencmk.kms.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {

    private static final byte[] WRAPPED = {1, 2, 3, 4};

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void accountIdsArePositive(long value) {
        assertThatIllegalArgumentException().isThrownBy(() -> new AccountId(value));
    }

    @Test
    void accountIdReadsAsTencentShowsItsNumericIds() {
        assertThat(new AccountId(100_000_001L)).hasToString("100000001");
    }

    @Test
    void wrappedMaterialIsEqualByContent() {
        assertThat(new WrappedKeyMaterial(WRAPPED))
                .isEqualTo(new WrappedKeyMaterial(WRAPPED.clone()))
                .hasSameHashCodeAs(new WrappedKeyMaterial(WRAPPED.clone()));
    }

    @Test
    void wrappedMaterialCannotBeChangedFromOutside() {
        byte[] given = WRAPPED.clone();
        WrappedKeyMaterial material = new WrappedKeyMaterial(given);

        given[0] = 9;
        material.bytes()[1] = 9;

        assertThat(material.bytes()).containsExactly(WRAPPED);
    }

    @Test
    void refusalCarriesItsErrorAsData() {
        KmsException refusal = new KmsException(KmsError.KEY_NOT_FOUND, "the key does not exist");

        assertThat(refusal.error()).isEqualTo(KmsError.KEY_NOT_FOUND);
        assertThat(refusal.getStackTrace()).isEmpty();
    }
}
