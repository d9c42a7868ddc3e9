package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.macs.CMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MessageKeyDerivationTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] NONCE = "ABCDEFGHIJKLMNOPQRSTUVWX".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private final MessageKeyDerivation xaes = SymmetricAlgorithm.AES_256_GCM.messageKeys();

    // = https://c2sp.org/XAES-256-GCM, "Test vectors": both vectors, intermediate values included

    @Test
    void theAesDerivationIsXaes256GcmsFirstTestVector() throws Exception {
        byte[] key = filled(0x01);

        assertThat(lAndK1(key)).isEqualTo(HEX.parseHex(
                "7298caa565031eadc6ce23d23ea66378" + "e531954aca063d5b8d9c47a47d4cc6f0"));
        byte[] kx = xaes.derive(key, NONCE, 0);
        assertThat(kx).isEqualTo(HEX.parseHex("c8612c9ed53fe43e8e005b828a1631a0bbcb6ab2f46514ec4f439fcfd0fa969b"));
        assertThat(xaesSeal(kx, new byte[0], "XAES-256-GCM"))
                .isEqualTo(HEX.parseHex("ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271"));
    }

    @Test
    void theAesDerivationIsXaes256GcmsSecondTestVectorWhereTheTopBitOfLIsSet() throws Exception {
        byte[] key = filled(0x03);

        assertThat(lAndK1(key)).isEqualTo(HEX.parseHex(
                "91c08762876dccf9ba204a33768fa5fe" + "23810ec50edb99f374409466ed1f4b7b"));
        byte[] kx = xaes.derive(key, NONCE, 0);
        assertThat(kx).isEqualTo(HEX.parseHex("e9c621d4cdd9b11b00a6427ad7e559aeedd66b3857646677748f8ca796cb3fd8"));
        assertThat(xaesSeal(kx, "c2sp.org/XAES-256-GCM".getBytes(StandardCharsets.US_ASCII), "XAES-256-GCM"))
                .isEqualTo(HEX.parseHex("986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d"));
    }

    // = https://c2sp.org/XAES-256-GCM, "Accumulated randomized tests": key, nonce, plaintext<0..255>
    // and aad<0..255> read from one SHAKE-128 stream, every ciphertext hashed into another. Every
    // iteration has a new key, so this also exercises the per-thread cache's change of material.

    @Test
    void theAesDerivationPassesXaes256GcmsAccumulatedTestOf10000Iterations() throws Exception {
        SHAKEDigest source = new SHAKEDigest(128);
        SHAKEDigest hash = new SHAKEDigest(128);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = read(source, 32);
            byte[] nonce = read(source, 24);
            byte[] plaintext = read(source, read(source, 1)[0] & 0xff);
            byte[] aad = read(source, read(source, 1)[0] & 0xff);

            byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, xaes.derive(key, nonce, 0), nonce, aad, plaintext);
            assertThat(gcm(Cipher.DECRYPT_MODE, xaes.derive(key, nonce, 0), nonce, aad, ciphertext))
                    .isEqualTo(plaintext);
            hash.update(ciphertext, 0, ciphertext.length);
        }
        byte[] digest = new byte[32];
        hash.doFinal(digest, 0, digest.length);

        assertThat(HEX.formatHex(digest)).isEqualTo("e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939");
    }

    // The derivation is SP 800-108's counter KDF with CMAC: each block of the key is CMAC over
    // counter || 'X' || 0x00 || N[0:12]. BouncyCastle's CMAC is an independent implementation of
    // that, the only check there is for SM4, which has no published vectors.

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void eachBlockOfTheKeyIsCmacOfCounterLabelAndNoncePrefix(SymmetricAlgorithm algorithm) {
        byte[] material = RandomSource.randomBytes(algorithm.keyLength());
        byte[] nonce = RandomSource.randomBytes(24);
        BlockCipher engine = algorithm == SymmetricAlgorithm.AES_256_GCM ? AESEngine.newInstance() : new SM4Engine();

        byte[] expected = new byte[algorithm.keyLength()];
        for (int block = 0; block < expected.length / 16; block++) {
            CMac cmac = new CMac(engine);
            cmac.init(new KeyParameter(material));
            byte[] input = new byte[16];
            input[1] = (byte) (block + 1);
            input[2] = 'X';
            System.arraycopy(nonce, 0, input, 4, 12);
            cmac.update(input, 0, 16);
            cmac.doFinal(expected, block * 16);
        }

        assertThat(algorithm.messageKeys().derive(material, nonce, 0)).isEqualTo(expected);
    }

    @Test
    void theSm4DerivationIsPinned() {
        // CMAC-SM4 of 00 01 'X' 00 "ABCDEFGHIJKL", computed with BouncyCastle's CMac: no published
        // vector exists; a change here would strand every SM4 blob of format version 2
        byte[] material = HEX.parseHex("000102030405060708090a0b0c0d0e0f");

        assertThat(HEX.formatHex(SymmetricAlgorithm.SM4_GCM.messageKeys().derive(material, NONCE, 0)))
                .isEqualTo("2e420d24c0171d1c3bcb17cc258904b5");
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void differentNoncePrefixesGiveDifferentKeys(SymmetricAlgorithm algorithm) {
        byte[] material = RandomSource.randomBytes(algorithm.keyLength());
        Set<String> keys = new HashSet<>();

        for (int i = 0; i < 1000; i++) {
            keys.add(HEX.formatHex(algorithm.messageKeys().derive(material, RandomSource.randomBytes(24), 0)));
        }
        for (int position = 0; position < 12; position++) {
            byte[] nonce = NONCE.clone();
            nonce[position] ^= 0x01;
            keys.add(HEX.formatHex(algorithm.messageKeys().derive(material, nonce, 0)));
        }

        assertThat(keys).hasSize(1000 + 12);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void onlyTheFirstTwelveNonceBytesAndTheMaterialGoIntoTheKey(SymmetricAlgorithm algorithm) {
        byte[] material = RandomSource.randomBytes(algorithm.keyLength());
        byte[] otherSuffix = NONCE.clone();
        otherSuffix[12] ^= 0x01;
        otherSuffix[23] ^= 0x01;
        byte[] atAnOffset = new byte[40];
        System.arraycopy(NONCE, 0, atAnOffset, 16, 24);
        MessageKeyDerivation derivation = algorithm.messageKeys();

        byte[] key = derivation.derive(material, NONCE, 0);

        // the suffix is GCM's nonce under that key
        assertThat(derivation.derive(material, otherSuffix, 0)).isEqualTo(key);
        assertThat(derivation.derive(material, atAnOffset, 16)).isEqualTo(key);
        assertThat(derivation.derive(RandomSource.randomBytes(algorithm.keyLength()), NONCE, 0)).isNotEqualTo(key);
        assertThat(key).hasSize(algorithm.keyLength());
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void aThreadThatSwitchesMaterialDerivesFromTheMaterialItIsGiven(SymmetricAlgorithm algorithm) {
        byte[] first = RandomSource.randomBytes(algorithm.keyLength());
        byte[] second = RandomSource.randomBytes(algorithm.keyLength());
        byte[] sameAsFirst = first.clone();
        MessageKeyDerivation derivation = algorithm.messageKeys();

        byte[] fromFirst = derivation.derive(first, NONCE, 0);
        byte[] fromSecond = derivation.derive(second, NONCE, 0);

        assertThat(fromSecond).isNotEqualTo(fromFirst);
        assertThat(derivation.derive(first, NONCE, 0)).isEqualTo(fromFirst);
        assertThat(derivation.derive(sameAsFirst, NONCE, 0)).isEqualTo(fromFirst);
        assertThat(derivation.derive(second, NONCE, 0)).isEqualTo(fromSecond);
    }

    @Test
    void threadsDeriveTheSameKeysConcurrently() throws Exception {
        byte[][] materials = new byte[4][];
        byte[][] expected = new byte[4][];
        for (int i = 0; i < materials.length; i++) {
            materials[i] = RandomSource.randomBytes(32);
            expected[i] = xaes.derive(materials[i], NONCE, 0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] runs = new Future<?>[4];
            for (int t = 0; t < runs.length; t++) {
                int offset = t;
                runs[t] = pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        int m = (i + offset) % materials.length;
                        assertThat(xaes.derive(materials[m], NONCE, 0)).isEqualTo(expected[m]);
                    }
                });
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void materialOfTheWrongLengthIsRefused() {
        assertThatThrownBy(() -> xaes.derive(new byte[16], NONCE, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void doublingIsCmacsSubkeyGenerationInConstantTimeForBothValuesOfTheTopBit() {
        byte[] k1 = new byte[16];

        MessageKeyDerivation.doubleInto(HEX.parseHex("7298caa565031eadc6ce23d23ea66378"), k1);
        assertThat(HEX.formatHex(k1)).isEqualTo("e531954aca063d5b8d9c47a47d4cc6f0");
        MessageKeyDerivation.doubleInto(HEX.parseHex("91c08762876dccf9ba204a33768fa5fe"), k1);
        assertThat(HEX.formatHex(k1)).isEqualTo("23810ec50edb99f374409466ed1f4b7b");
    }

    /** L = AES-256_K(0) and K1, as the C2SP vectors list them. */
    private static byte[] lAndK1(byte[] key) throws Exception {
        Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        byte[] l = aes.doFinal(new byte[16]);
        byte[] k1 = new byte[16];
        MessageKeyDerivation.doubleInto(l, k1);
        byte[] both = Arrays.copyOf(l, 32);
        System.arraycopy(k1, 0, both, 16, 16);
        return both;
    }

    private static byte[] xaesSeal(byte[] kx, byte[] aad, String plaintext) throws Exception {
        return gcm(Cipher.ENCRYPT_MODE, kx, NONCE, aad, plaintext.getBytes(StandardCharsets.US_ASCII));
    }

    /** AES-256-GCM under the derived key with N[12:24], the second half of XAES-256-GCM. */
    private static byte[] gcm(int mode, byte[] kx, byte[] nonce, byte[] aad, byte[] input) throws Exception {
        Cipher gcm = GCM.get();
        gcm.init(mode, new SecretKeySpec(kx, "AES"), new GCMParameterSpec(128, nonce, 12, 12));
        gcm.updateAAD(aad);
        return gcm.doFinal(input);
    }

    private static byte[] read(SHAKEDigest stream, int length) {
        byte[] out = new byte[length];
        if (length > 0) {
            stream.doOutput(out, 0, length);
        }
        return out;
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
