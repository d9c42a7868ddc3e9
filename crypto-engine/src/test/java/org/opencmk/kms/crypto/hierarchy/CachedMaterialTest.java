package org.opencmk.kms.crypto.hierarchy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.WrappedKeyMaterial;

class CachedMaterialTest {

    private final byte[] bytes = {1, 2, 3, 4};
    private final SecretBytes material = SecretBytes.takeOwnership(bytes);
    private final CachedMaterial entry = new CachedMaterial(new WrappedKeyMaterial(new byte[] {9}), material);

    @Test
    void retiringAnUnusedEntryZeroesIt() {
        entry.retire();

        assertThat(bytes).containsOnly(0);
    }

    @Test
    void anEntryInUseIsZeroedOnlyAfterItsLastRelease() {
        assertThat(entry.acquire()).isTrue();
        assertThat(entry.acquire()).isTrue();

        entry.retire();
        assertThat(bytes).as("retired while held twice").containsExactly(1, 2, 3, 4);
        entry.release();
        assertThat(bytes).as("still held once").containsExactly(1, 2, 3, 4);
        entry.release();

        assertThat(bytes).containsOnly(0);
    }

    @Test
    void aRetiredEntryCannotBeAcquired() {
        assertThat(entry.acquire()).isTrue();
        entry.retire();

        assertThat(entry.acquire()).isFalse();
        assertThat(material.isDestroyed()).isFalse();
    }

    @Test
    void releasingWithoutRetirementKeepsTheMaterial() {
        entry.acquire();
        entry.release();

        assertThat(material.isDestroyed()).isFalse();
        assertThat(entry.acquire()).isTrue();
    }

    @Test
    void retiringTwiceIsHarmless() {
        entry.retire();
        entry.retire();

        assertThat(entry.acquire()).isFalse();
        assertThat(bytes).containsOnly(0);
    }

    @Test
    void anEntryAnswersOnlyForTheBytesItWasUnwrappedFrom() {
        assertThat(entry.unwrappedFrom(new WrappedKeyMaterial(new byte[] {9}))).isTrue();
        assertThat(entry.unwrappedFrom(new WrappedKeyMaterial(new byte[] {8}))).isFalse();
    }
}
