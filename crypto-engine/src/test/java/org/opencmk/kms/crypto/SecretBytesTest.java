package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretBytesTest {

    private static final byte[] KEY = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void destroyZeroesTheArrayHandedOver() {
        byte[] handedOver = KEY.clone();
        SecretBytes secret = SecretBytes.takeOwnership(handedOver);

        secret.destroy();

        assertThat(handedOver).containsOnly(0);
        assertThat(secret.isDestroyed()).isTrue();
    }

    @Test
    void takeOwnershipDoesNotCopy() {
        byte[] handedOver = KEY.clone();

        assertThat(SecretBytes.takeOwnership(handedOver).insecureBytes()).isSameAs(handedOver);
    }

    @Test
    void copyOfLeavesTheCallersArrayAlone() {
        byte[] callers = KEY.clone();
        SecretBytes secret = SecretBytes.copyOf(callers);

        secret.destroy();

        assertThat(callers).isEqualTo(KEY);
    }

    @Test
    void closeDestroys() {
        byte[] handedOver = KEY.clone();
        try (SecretBytes secret = SecretBytes.takeOwnership(handedOver)) {
            assertThat(secret.insecureBytes()).isEqualTo(KEY);
        }

        assertThat(handedOver).containsOnly(0);
    }

    @Test
    void accessAfterDestroyFails() {
        SecretBytes secret = SecretBytes.copyOf(KEY);
        secret.destroy();

        assertThatThrownBy(secret::insecureBytes).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void toStringShowsTheLengthOnly() {
        SecretBytes secret = SecretBytes.copyOf(KEY);

        assertThat(secret.toString()).isEqualTo("SecretBytes[redacted, 8 bytes]");
        assertThat(secret.length()).isEqualTo(8);
    }

    @Test
    void equalityIsIdentityNotContent() {
        assertThat(SecretBytes.copyOf(KEY)).isNotEqualTo(SecretBytes.copyOf(KEY));
    }
}
