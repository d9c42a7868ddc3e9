package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.events.KeySpec;

class SymmetricAlgorithmTest {

    @Test
    void persistedIdsNeverChange() {
        // Ids are written into every ciphertext blob and wrapped secret: changing one strands them.
        Map<SymmetricAlgorithm, Byte> ids = Arrays.stream(SymmetricAlgorithm.values())
                .collect(Collectors.toMap(algorithm -> algorithm, SymmetricAlgorithm::id));

        assertThat(ids).containsExactlyInAnyOrderEntriesOf(Map.of(
                SymmetricAlgorithm.AES_256_GCM, (byte) 1,
                SymmetricAlgorithm.SM4_GCM, (byte) 2));
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void fromIdFindsEachAlgorithm(SymmetricAlgorithm algorithm) {
        assertThat(SymmetricAlgorithm.fromId(algorithm.id())).isSameAs(algorithm);
    }

    @Test
    void unknownIdsAreRefused() {
        assertThatThrownBy(() -> SymmetricAlgorithm.fromId((byte) 0)).isInstanceOf(UnknownAlgorithmException.class);
        assertThatThrownBy(() -> SymmetricAlgorithm.fromId((byte) 3)).isInstanceOf(UnknownAlgorithmException.class);
        assertThatThrownBy(() -> SymmetricAlgorithm.fromId((byte) -1)).isInstanceOf(UnknownAlgorithmException.class);
    }

    @Test
    void keySpecsMapToTheirAlgorithms() {
        assertThat(SymmetricAlgorithm.forKeySpec(KeySpec.AES_256)).isEqualTo(SymmetricAlgorithm.AES_256_GCM);
        assertThat(SymmetricAlgorithm.forKeySpec(KeySpec.SM4)).isEqualTo(SymmetricAlgorithm.SM4_GCM);
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"AES_256", "SM4"})
    void everyKeySpecsMaterialFitsItsAlgorithm(KeySpec spec) {
        assertThat(SymmetricAlgorithm.forKeySpec(spec).keyLength()).isEqualTo(spec.materialLength());
    }

    @Test
    void aesGcmRunsOnTheJdkProvider() throws Exception {
        // NOTES.md: BouncyCastle's AES-GCM is 34 times slower; registering it first would slow the hot path.
        assertThat(Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName()).isEqualTo("SunJCE");
    }
}
