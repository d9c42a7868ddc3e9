package org.opencmk.kms.crypto.material;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.gm.GMObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.crypto.asymmetric.EncodedKeyPair;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;

class ImportWrappingTest {

    private static final int RSA_CIPHERTEXT_LENGTH = 256;

    static Stream<Arguments> algorithmsAndMaterialLengths() {
        return Stream.of(WrappingAlgorithm.values()).flatMap(a -> Stream.of(Arguments.of(a, 16), Arguments.of(a, 32)));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("algorithmsAndMaterialLengths")
    void wrappedMaterialUnwrapsToTheSameBytes(WrappingAlgorithm algorithm, int length) throws Exception {
        byte[] material = RandomSource.randomBytes(length);
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(algorithm))) {
            byte[] encrypted = encrypt(algorithm, pair.publicKey(), material);

            try (SecretBytes unwrapped = ImportWrapping.unwrap(algorithm, pair.privateKey(), encrypted)) {
                assertThat(unwrapped.insecureBytes()).isEqualTo(material);
            }
            assertThat(pair.privateKey().isDestroyed()).as("the caller keeps the private key").isFalse();
        }
    }

    @Test
    void sm2MaterialUnwrapsFromTheDerFormAsWellAsTheRawOne() throws Exception {
        byte[] material = RandomSource.randomBytes(16);
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            byte[] raw = sm2EncryptRaw(pair.publicKey(), material);
            byte[] der = rawToDer(raw, false);
            byte[] derWithoutLeadingZeros = rawToDer(raw, true);

            for (byte[] encrypted : List.of(raw, der, derWithoutLeadingZeros)) {
                try (SecretBytes unwrapped = ImportWrapping.unwrap(WrappingAlgorithm.SM2PKE, pair.privateKey(), encrypted)) {
                    assertThat(unwrapped.insecureBytes()).isEqualTo(material);
                }
            }
        }
    }

    /**
     * Coordinates with leading zero bytes are shorter INTEGERs in DER; they must be padded back to
     * 32 bytes. One coordinate in 256 has a leading zero byte, so draw until both cases occurred.
     */
    @Test
    void sm2CoordinatesWithLeadingZerosArePaddedBack() throws Exception {
        byte[] material = RandomSource.randomBytes(32);
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            int shortCoordinates = 0;
            for (int attempt = 0; attempt < 5000 && shortCoordinates < 2; attempt++) {
                byte[] raw = sm2EncryptRaw(pair.publicKey(), material);
                if (raw[1] != 0 && raw[33] != 0) {
                    continue;
                }
                shortCoordinates++;
                try (SecretBytes unwrapped = ImportWrapping.unwrap(WrappingAlgorithm.SM2PKE, pair.privateKey(),
                        rawToDer(raw, false))) {
                    assertThat(unwrapped.insecureBytes()).isEqualTo(material);
                }
            }
            assertThat(shortCoordinates).isEqualTo(2);
        }
    }

    @Test
    void eachAlgorithmFitsExactlyOneKeySpec() {
        assertThat(WrappingAlgorithm.RSAES_PKCS1_V1_5.fits(WrappingKeySpec.RSA_2048)).isTrue();
        assertThat(WrappingAlgorithm.RSAES_OAEP_SHA_1.fits(WrappingKeySpec.RSA_2048)).isTrue();
        assertThat(WrappingAlgorithm.RSAES_OAEP_SHA_256.fits(WrappingKeySpec.RSA_2048)).isTrue();
        assertThat(WrappingAlgorithm.SM2PKE.fits(WrappingKeySpec.SM2)).isTrue();
        for (WrappingAlgorithm algorithm : WrappingAlgorithm.values()) {
            assertThat(Stream.of(WrappingKeySpec.values()).filter(algorithm::fits)).as("%s", algorithm).hasSize(1);
            assertThat(algorithm.fits(null)).isFalse();
        }
    }

    @Test
    void anRsaPublicKeyIsASubjectPublicKeyInfoOf2048Bits() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.RSA_2048)) {
            RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(pair.publicKey()));
            RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(pair.privateKey().insecureBytes()));

            assertThat(publicKey.getModulus().bitLength()).isEqualTo(2048);
            assertThat(publicKey.getPublicExponent()).isEqualTo(BigInteger.valueOf(65537));
            assertThat(privateKey.getModulus()).isEqualTo(publicKey.getModulus());
        }
    }

    @Test
    void anSm2PublicKeyIsASubjectPublicKeyInfoOnSm2p256v1() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(pair.publicKey());
            PrivateKeyInfo privateInfo = PrivateKeyInfo.getInstance(pair.privateKey().insecureBytes());
            ECPublicKeyParameters key = (ECPublicKeyParameters) PublicKeyFactory.createKey(info);

            assertThat(info.getAlgorithm().getAlgorithm()).isEqualTo(X9ObjectIdentifiers.id_ecPublicKey);
            assertThat(info.getAlgorithm().getParameters()).isEqualTo(GMObjectIdentifiers.sm2p256v1);
            assertThat(ASN1ObjectIdentifier.getInstance(privateInfo.getPrivateKeyAlgorithm().getParameters()))
                    .isEqualTo(GMObjectIdentifiers.sm2p256v1);
            assertThat(key.getParameters()).isEqualTo(ECNamedDomainParameters.lookup(GMObjectIdentifiers.sm2p256v1));
            assertThat(key.getQ().isValid()).isTrue();
            // The JDK's own parser does not know the curve, but BouncyCastle's JCA one reads it as EC.
            PublicKey jca = KeyFactory.getInstance("EC", new BouncyCastleProvider())
                    .generatePublic(new X509EncodedKeySpec(pair.publicKey()));
            assertThat(jca.getAlgorithm()).isEqualTo("EC");
        }
    }

    @ParameterizedTest
    @EnumSource(WrappingKeySpec.class)
    void everyPairIsNew(WrappingKeySpec spec) {
        try (EncodedKeyPair first = ImportWrapping.generate(spec);
                EncodedKeyPair second = ImportWrapping.generate(spec)) {
            assertThat(first.publicKey()).isNotEqualTo(second.publicKey());
            assertThat(first.privateKey().insecureBytes()).isNotEqualTo(second.privateKey().insecureBytes());
        }
    }

    @Test
    void aKeyPairHidesItsPrivateKeyAndDestroysItOnClose() {
        EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2);
        String hex = HexFormat.of().formatHex(pair.privateKey().insecureBytes());
        String base64 = Base64.getEncoder().encodeToString(pair.privateKey().insecureBytes());

        assertThat(pair.toString()).contains("redacted").doesNotContain(hex).doesNotContain(base64);

        pair.close();

        assertThat(pair.privateKey().isDestroyed()).isTrue();
    }

    @Test
    void aKeyPairsPublicKeyCannotBeChangedThroughItsArrays() {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            byte[] original = pair.publicKey();

            pair.publicKey()[0] ^= 1;

            assertThat(pair.publicKey()).isEqualTo(original);
        }
    }

    static Stream<Arguments> wrongAlgorithms() {
        return Stream.of(WrappingAlgorithm.values()).flatMap(used -> Stream.of(WrappingAlgorithm.values())
                .filter(claimed -> claimed != used)
                // PKCS#1 v1.5 padding cannot tell an OAEP block from its own with certainty (about
                // one in 2^16 OAEP blocks passes its check): see pkcs1v15CanOnlyBeCheckedWeakly.
                .filter(claimed -> !(claimed == WrappingAlgorithm.RSAES_PKCS1_V1_5 && used.name().contains("OAEP")))
                .map(claimed -> Arguments.of(used, claimed)));
    }

    @ParameterizedTest(name = "encrypted with {0}, unwrapped as {1}")
    @MethodSource("wrongAlgorithms")
    void materialUnwrappedWithAnotherAlgorithmIsUnreadable(WrappingAlgorithm used, WrappingAlgorithm claimed)
            throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(used))) {
            byte[] encrypted = encrypt(used, pair.publicKey(), RandomSource.randomBytes(32));

            assertUnreadable(claimed, pair.privateKey(), encrypted);
        }
    }

    @ParameterizedTest
    @EnumSource(WrappingAlgorithm.class)
    void materialUnwrappedWithAnotherKeyIsUnreadable(WrappingAlgorithm algorithm) throws Exception {
        byte[] material = RandomSource.randomBytes(32);
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(algorithm));
                EncodedKeyPair other = ImportWrapping.generate(specOf(algorithm))) {
            byte[] encrypted = encrypt(algorithm, pair.publicKey(), material);

            assertUnreadableOrNotTheMaterial(algorithm, other.privateKey(), encrypted, material);
        }
    }

    @ParameterizedTest
    @EnumSource(WrappingAlgorithm.class)
    void aPrivateKeyThatIsNoKeyIsUnreadable(WrappingAlgorithm algorithm) throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(algorithm))) {
            byte[] encrypted = encrypt(algorithm, pair.publicKey(), RandomSource.randomBytes(32));

            assertUnreadable(algorithm, SecretBytes.copyOf(RandomSource.randomBytes(1200)), encrypted);
            assertUnreadable(algorithm, SecretBytes.copyOf(new byte[0]), encrypted);
        }
    }

    @ParameterizedTest
    @EnumSource(WrappingAlgorithm.class)
    void garbageIsUnreadable(WrappingAlgorithm algorithm) {
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(algorithm))) {
            byte[] sm2Shaped = RandomSource.randomBytes(65 + 32 + 32);
            sm2Shaped[0] = 0x04;
            byte[] derShaped = RandomSource.randomBytes(140);
            derShaped[0] = 0x30;
            for (byte[] garbage : List.of(new byte[0], new byte[1], RandomSource.randomBytes(32), sm2Shaped,
                    derShaped, RandomSource.randomBytes(RSA_CIPHERTEXT_LENGTH),
                    new byte[RSA_CIPHERTEXT_LENGTH], RandomSource.randomBytes(RSA_CIPHERTEXT_LENGTH + 1))) {
                assertUnreadableOrNotTheMaterial(algorithm, pair.privateKey(), garbage, null);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WrappingAlgorithm.class)
    void truncatedOrExtendedMaterialIsUnreadable(WrappingAlgorithm algorithm) throws Exception {
        byte[] material = RandomSource.randomBytes(32);
        try (EncodedKeyPair pair = ImportWrapping.generate(specOf(algorithm))) {
            byte[] encrypted = encrypt(algorithm, pair.publicKey(), material);

            for (byte[] cut : List.of(Arrays.copyOf(encrypted, encrypted.length - 1),
                    Arrays.copyOfRange(encrypted, 1, encrypted.length),
                    Arrays.copyOf(encrypted, encrypted.length / 2),
                    Arrays.copyOf(encrypted, encrypted.length + 1))) {
                assertUnreadable(algorithm, pair.privateKey(), cut);
            }
        }
    }

    @Test
    void sm2MaterialWithAnyByteAlteredIsUnreadable() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            byte[] raw = sm2EncryptRaw(pair.publicKey(), RandomSource.randomBytes(16));
            byte[] der = rawToDer(raw, false);

            for (byte[] encrypted : List.of(raw, der)) {
                for (int position = 0; position < encrypted.length; position++) {
                    byte[] altered = encrypted.clone();
                    altered[position] ^= 0x01;
                    assertUnreadable(WrappingAlgorithm.SM2PKE, pair.privateKey(), altered);
                }
            }
        }
    }

    @Test
    void anSm2CiphertextInC1C2C3OrderIsUnreadable() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2)) {
            SM2Engine c1c2c3 = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C2C3);
            c1c2c3.init(true, new ParametersWithRandom(PublicKeyFactory.createKey(pair.publicKey()),
                    RandomSource.secureRandom()));
            byte[] material = RandomSource.randomBytes(32);

            assertUnreadable(WrappingAlgorithm.SM2PKE, pair.privateKey(), c1c2c3.processBlock(material, 0, 32));
        }
    }

    /**
     * The one failure PKCS#1 v1.5 can miss: its padding check passes by chance for a ciphertext
     * that was not made for it. For an OAEP ciphertext the chance is about one in 400, not one in
     * 2^16: an OAEP block always begins with a zero byte, so only the next byte must happen to be 2
     * (1/256) and a zero follow eight non-zero bytes (~0.6). The bytes then decrypt to something
     * else than the material, and the import must still fail (the caller checks the length and,
     * for a re-import, the fingerprint). This shows the chance is real and small, not that it is
     * zero. Expected passes in 200: about 0.5; six or more: about one run in 70,000 (the bound
     * was three, which about one run in a hundred reached: CI failed so once).
     */
    @Test
    void pkcs1v15CanOnlyBeCheckedWeakly() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.RSA_2048)) {
            int passed = 0;
            for (int i = 0; i < 200; i++) {
                byte[] oaep = encrypt(WrappingAlgorithm.RSAES_OAEP_SHA_256, pair.publicKey(),
                        RandomSource.randomBytes(32));
                Throwable thrown = catchThrowable(
                        () -> ImportWrapping.unwrap(WrappingAlgorithm.RSAES_PKCS1_V1_5, pair.privateKey(), oaep));
                if (thrown == null) {
                    passed++;
                } else {
                    assertThat(thrown).isInstanceOf(UnreadableKeyMaterialException.class);
                }
            }
            assertThat(passed).isLessThan(6);
        }
    }

    @Test
    void theFailureSaysNothingAboutTheBytes() throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.RSA_2048);
                EncodedKeyPair other = ImportWrapping.generate(WrappingKeySpec.RSA_2048)) {
            byte[] encrypted = encrypt(WrappingAlgorithm.RSAES_OAEP_SHA_256, pair.publicKey(),
                    RandomSource.randomBytes(32));

            Throwable wrongKey = catchThrowable(() -> ImportWrapping.unwrap(WrappingAlgorithm.RSAES_OAEP_SHA_256,
                    other.privateKey(), encrypted));
            Throwable garbage = catchThrowable(() -> ImportWrapping.unwrap(WrappingAlgorithm.SM2PKE,
                    pair.privateKey(), new byte[] {0x30, 0x03, 0x02, 0x01, 0x07}));

            for (Throwable thrown : List.of(wrongKey, garbage)) {
                assertThat(thrown).isInstanceOf(UnreadableKeyMaterialException.class).hasNoCause()
                        .hasMessage(wrongKey.getMessage())
                        .hasMessageNotContaining(HexFormat.of().formatHex(encrypted, 0, 4))
                        .hasMessageNotContaining(Base64.getEncoder().encodeToString(encrypted).substring(0, 8));
            }
        }
    }

    @Test
    void aDestroyedPrivateKeyIsTheCallersBugNotUnreadableMaterial() throws Exception {
        EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.SM2);
        byte[] encrypted = sm2EncryptRaw(pair.publicKey(), RandomSource.randomBytes(16));
        pair.close();

        assertThatThrownBy(() -> ImportWrapping.unwrap(WrappingAlgorithm.SM2PKE, pair.privateKey(), encrypted))
                .isInstanceOf(IllegalStateException.class);
    }

    /** Java's OAEP with SHA-256 and MGF1-SHA-256, as the seed's sample and openssl's rsa_oaep_md:sha256 do. */
    static byte[] encrypt(WrappingAlgorithm algorithm, byte[] publicKey, byte[] material) throws Exception {
        if (algorithm == WrappingAlgorithm.SM2PKE) {
            return sm2EncryptRaw(publicKey, material);
        }
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicKey));
        Cipher cipher;
        switch (algorithm) {
            case RSAES_PKCS1_V1_5 -> {
                cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                cipher.init(Cipher.ENCRYPT_MODE, key);
            }
            case RSAES_OAEP_SHA_1 -> {
                cipher = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
                cipher.init(Cipher.ENCRYPT_MODE, key);
            }
            case RSAES_OAEP_SHA_256 -> {
                cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1",
                        MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            }
            default -> throw new AssertionError(algorithm);
        }
        byte[] encrypted = cipher.doFinal(material);
        assertThat(encrypted).hasSize(RSA_CIPHERTEXT_LENGTH);
        return encrypted;
    }

    /** {@code 04 || x || y || C3 || C2}, made here with BouncyCastle directly. */
    static byte[] sm2EncryptRaw(byte[] publicKey, byte[] material) throws Exception {
        SM2Engine engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.init(true, new ParametersWithRandom(PublicKeyFactory.createKey(publicKey), RandomSource.secureRandom()));
        return engine.processBlock(material, 0, material.length);
    }

    /**
     * The GM/T 0009 DER form of a raw ciphertext, as openssl writes it; {@code unsignedIntegers}:
     * coordinates as their bare magnitude, without INTEGER's leading zero when the top bit is set
     * (a mistake some encoders make, read as negative numbers by a strict parser).
     */
    static byte[] rawToDer(byte[] raw, boolean unsignedIntegers) throws Exception {
        byte[] x = Arrays.copyOfRange(raw, 1, 33);
        byte[] y = Arrays.copyOfRange(raw, 33, 65);
        ASN1EncodableVector fields = new ASN1EncodableVector();
        fields.add(coordinate(x, unsignedIntegers));
        fields.add(coordinate(y, unsignedIntegers));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, 65, 97)));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, 97, raw.length)));
        return new DERSequence(fields).getEncoded();
    }

    private static ASN1Encodable coordinate(byte[] bytes, boolean unsignedIntegers) {
        return unsignedIntegers ? new ASN1Integer(bytes) : new ASN1Integer(new BigInteger(1, bytes));
    }

    static WrappingKeySpec specOf(WrappingAlgorithm algorithm) {
        return Stream.of(WrappingKeySpec.values()).filter(algorithm::fits).findFirst().orElseThrow();
    }

    private static void assertUnreadable(WrappingAlgorithm algorithm, SecretBytes privateKey, byte[] encrypted) {
        assertThatThrownBy(() -> ImportWrapping.unwrap(algorithm, privateKey, encrypted))
                .isInstanceOf(UnreadableKeyMaterialException.class)
                .hasNoCause();
    }

    /**
     * Unreadable, except that for PKCS#1 v1.5 a block not made for this key passes the padding
     * check by chance once in about 2^16 times (see {@link #pkcs1v15CanOnlyBeCheckedWeakly}): then
     * it must at least not give the material. Every other algorithm must fail.
     */
    private static void assertUnreadableOrNotTheMaterial(WrappingAlgorithm algorithm, SecretBytes privateKey,
            byte[] encrypted, byte[] material) {
        if (algorithm != WrappingAlgorithm.RSAES_PKCS1_V1_5) {
            assertUnreadable(algorithm, privateKey, encrypted);
            return;
        }
        Throwable thrown = catchThrowable(() -> {
            try (SecretBytes unwrapped = ImportWrapping.unwrap(algorithm, privateKey, encrypted)) {
                assertThat(unwrapped.insecureBytes()).isNotEqualTo(material);
            }
        });
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(UnreadableKeyMaterialException.class).hasNoCause();
        }
    }
}
