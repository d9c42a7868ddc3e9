package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

class AsymmetricPrivateKeyTest {

    /** Every key pair spec's private key, parsed as every other spec (symmetric ones too). */
    static Stream<Arguments> otherSpecs() {
        return Arrays.stream(TestKeyPairs.KEY_PAIR_SPECS).flatMap(actual -> Arrays.stream(KeySpec.values())
                .filter(claimed -> claimed != actual)
                .map(claimed -> Arguments.of(actual, claimed)));
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void aPrivateKeyIsParsedAsItsSpecAndLeftToItsOwner(KeySpec spec) {
        SecretBytes pkcs8 = SecretBytes.copyOf(TestKeyPairs.of(spec).pkcs8());

        AsymmetricPrivateKey key = AsymmetricPrivateKey.parse(spec, pkcs8);

        assertThat(key.spec()).isEqualTo(spec);
        assertThat(pkcs8.isDestroyed()).isFalse();
        assertThat(key.toString()).isEqualTo("AsymmetricPrivateKey[" + spec + ", redacted]");
    }

    /** SM2 and P-256 keys are both id-ecPublicKey; only the curve tells them apart. */
    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("otherSpecs")
    void aKeyOfAnotherSpecIsRefused(KeySpec actual, KeySpec claimed) {
        SecretBytes pkcs8 = SecretBytes.copyOf(TestKeyPairs.of(actual).pkcs8());

        assertThatThrownBy(() -> AsymmetricPrivateKey.parse(claimed, pkcs8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a private key of spec " + claimed);
    }

    @Test
    void keysOfNoSupportedSpecAreRefused() {
        assertRefused(KeySpec.RSA_2048, OtherKeys.rsa1024().getPrivate().getEncoded());
        assertRefused(KeySpec.ECC_P256, OtherKeys.secp384r1().getPrivate().getEncoded());
        assertRefused(KeySpec.ECC_P256, OtherKeys.secp256k1PublicAndPrivate()[1]);
        assertRefused(KeySpec.SM2, OtherKeys.secp256k1PublicAndPrivate()[1]);
    }

    /** Not a private key at all; the exception has no cause, since a parser's message may quote the bytes. */
    @Test
    void garbageAndPublicKeysAreRefusedWithoutCause() {
        byte[] pkcs8 = TestKeyPairs.of(KeySpec.SM2).pkcs8();
        for (byte[] bytes : List.of(new byte[0], new byte[] {0x30}, RandomSource.randomBytes(138),
                Arrays.copyOf(pkcs8, pkcs8.length - 1), TestKeyPairs.of(KeySpec.SM2).publicDer())) {
            assertThatThrownBy(() -> AsymmetricPrivateKey.parse(KeySpec.SM2, SecretBytes.copyOf(bytes)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasNoCause();
        }
    }

    @Test
    void aDestroyedKeyIsTheCallersBugNotAMalformedKey() {
        SecretBytes pkcs8 = SecretBytes.copyOf(TestKeyPairs.of(KeySpec.ECC_P256).pkcs8());
        pkcs8.destroy();

        assertThatThrownBy(() -> AsymmetricPrivateKey.parse(KeySpec.ECC_P256, pkcs8))
                .isInstanceOf(IllegalStateException.class);
    }

    private static void assertRefused(KeySpec spec, byte[] pkcs8) {
        assertThatThrownBy(() -> AsymmetricPrivateKey.parse(spec, SecretBytes.copyOf(pkcs8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
