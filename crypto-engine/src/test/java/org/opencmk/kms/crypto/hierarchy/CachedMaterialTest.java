package org.opencmk.kms.crypto.hierarchy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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

    /** The hot path parses an asymmetric version's PKCS#8 once per entry, not once per call. */
    @Test
    void theMaterialIsPreparedOnceForAsLongAsTheEntryLives() {
        AtomicInteger preparations = new AtomicInteger();
        Function<SecretBytes, Object> preparation = secret -> {
            preparations.incrementAndGet();
            return new Object();
        };
        assertThat(entry.acquire()).isTrue();

        Object first = entry.prepared(preparation);
        Object second = entry.prepared(preparation);

        assertThat(second).isSameAs(first);
        assertThat(preparations).hasValue(1);
        entry.release();
    }
}
