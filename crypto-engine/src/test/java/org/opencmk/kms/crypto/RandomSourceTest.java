package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.events.KeySpec;

class RandomSourceTest {

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"AES_256", "SM4"})
    void newMaterialHasTheSpecsLengthAndDiffersEachTime(KeySpec spec) {
        try (SecretBytes first = RandomSource.newMaterial(spec); SecretBytes second = RandomSource.newMaterial(spec)) {
            assertThat(first.length()).isEqualTo(spec.materialLength());
            assertThat(first.insecureBytes()).isNotEqualTo(second.insecureBytes());
        }
    }
}
