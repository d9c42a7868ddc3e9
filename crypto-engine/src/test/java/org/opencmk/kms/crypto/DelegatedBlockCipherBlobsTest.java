package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;

/**
 * The host's share of a blob whose block cipher runs elsewhere: played here by the JDK's AES in
 * ECB (as a token's CKM_AES_ECB and CKM_AES_ECB_ENCRYPT_DATA would), the result must be what
 * {@link SymmetricCipher} decrypts.
 */
class DelegatedBlockCipherBlobsTest {

    private static final KeyId KEY_ID = KeyId.random();
    private static final KeyVersionId VERSION_ID = KeyVersionId.random();
    private static final byte[] PLAINTEXT = "delegated".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONTEXT = "ctx".getBytes(StandardCharsets.UTF_8);

    @Test
    void aBlobSealedFromTheDelegatedStepsDecryptsInSoftware() throws Exception {
        SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material.insecureBytes(), "AES"));
        SymmetricAlgorithm algorithm = SymmetricAlgorithm.AES_256_GCM;

        byte[] k1 = DelegatedBlockCipherBlobs.k1(ecb.doFinal(new byte[16]));
        byte[] blob = DelegatedBlockCipherBlobs.newBlob(algorithm, KEY_ID, VERSION_ID, PLAINTEXT.length);
        byte[] messageKey = ecb.doFinal(DelegatedBlockCipherBlobs.derivationInput(algorithm, k1, blob));
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(messageKey, "AES"),
                new GCMParameterSpec(128, DelegatedBlockCipherBlobs.gcmNonce(blob)));
        gcm.updateAAD(DelegatedBlockCipherBlobs.associatedData(blob, CONTEXT));
        byte[] sealed = gcm.doFinal(PLAINTEXT);
        System.arraycopy(sealed, 0, blob, CiphertextBlob.HEADER_LENGTH, sealed.length);

        assertThat(new SymmetricCipher().decrypt(material, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Test
    void everyBlobHasAFreshNonce() {
        byte[] first = DelegatedBlockCipherBlobs.newBlob(SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, 1);
        byte[] second = DelegatedBlockCipherBlobs.newBlob(SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, 1);

        assertThat(DelegatedBlockCipherBlobs.gcmNonce(first)).isNotEqualTo(DelegatedBlockCipherBlobs.gcmNonce(second));
    }

    @Test
    void onlyFormatTwoBlobsAreAccepted() {
        byte[] blob = DelegatedBlockCipherBlobs.newBlob(SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, 1);
        blob[0] = CiphertextBlob.FORMAT_VERSION_1;

        assertThatThrownBy(() -> DelegatedBlockCipherBlobs.gcmNonce(blob)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DelegatedBlockCipherBlobs.k1(new byte[15])).isInstanceOf(IllegalArgumentException.class);
    }
}
