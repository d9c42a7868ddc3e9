package org.opencmk.kms.crypto.hierarchy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/** A keystore that remembers the plaintext it handed out and took in, so tests can check the zeros. */
final class RecordingKeystore implements Keystore {

    final List<SecretBytes> unwrapped = new CopyOnWriteArrayList<>();
    final List<SecretBytes> wrapped = new CopyOnWriteArrayList<>();
    final List<SecretBytes> fingerprinted = new CopyOnWriteArrayList<>();
    final AtomicInteger unwraps = new AtomicInteger();
    private final Keystore delegate;

    RecordingKeystore(Keystore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ProtectionLevel protectionLevel() {
        return delegate.protectionLevel();
    }

    @Override
    public byte[] createKeyEncryptionKey(AccountId account, KeyId keyId) {
        return delegate.createKeyEncryptionKey(account, keyId);
    }

    @Override
    public byte[] bindKeyEncryptionKey(byte[] kekReference, AccountId account, KeyId keyId) {
        return delegate.bindKeyEncryptionKey(kekReference, account, keyId);
    }

    @Override
    public void destroyKeyEncryptionKey(KeyId keyId, byte[] kekReference) {
        delegate.destroyKeyEncryptionKey(keyId, kekReference);
    }

    @Override
    public WrappedKeyMaterial wrapMaterial(byte[] kekReference, AccountId account, KeyId keyId,
            KeyVersionId versionId, SecretBytes material) {
        wrapped.add(material);
        return delegate.wrapMaterial(kekReference, account, keyId, versionId, material);
    }

    @Override
    public SecretBytes unwrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial material) {
        unwraps.incrementAndGet();
        SecretBytes result = delegate.unwrapMaterial(kekReference, account, keyId, versionId, material);
        unwrapped.add(result);
        return result;
    }

    @Override
    public byte[] fingerprintMaterial(byte[] kekReference, AccountId account, KeyId keyId, SecretBytes material) {
        fingerprinted.add(material);
        return delegate.fingerprintMaterial(kekReference, account, keyId, material);
    }

    @Override
    public byte[] wrapSecret(String purpose, SecretBytes secret) {
        return delegate.wrapSecret(purpose, secret);
    }

    @Override
    public SecretBytes unwrapSecret(String purpose, byte[] wrappedSecret) {
        return delegate.unwrapSecret(purpose, wrappedSecret);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
