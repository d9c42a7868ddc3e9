package org.opencmk.kms.query.keyview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.opencmk.kms.query.keyview.Population.OTHER;
import static org.opencmk.kms.query.keyview.Population.OWNER;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyId;

/**
 * Key view snapshots (issue 17): a view restored from a snapshot, then fed the events after it,
 * equals one rebuilt from every event; a snapshot of another layout, cut short, altered, or
 * failing its caller's check is refused and leaves the view as it was.
 */
class KeyViewSnapshotTest {

    private Population population;
    private KeyView live;

    @BeforeEach
    void setUp() {
        population = new Population(42);
        live = new KeyView(population, keyId -> { });
        population.addKeys(OWNER, 300);
        population.addKeys(OTHER, 40);
        population.addAliases(OWNER, 50);
        population.addAliases(OTHER, 10);
        population.events().forEach(live::apply);
    }

    @Test
    void restoredSnapshotEqualsTheViewItWasTakenFrom() throws Exception {
        KeyView restored = new KeyView(population, keyId -> { });
        KeyView.SnapshotContent content = restored.restoreSnapshot(new ByteArrayInputStream(snapshot(live)), () -> { });

        assertThat(content.keys()).isEqualTo(340);
        assertThat(content.aliases()).isEqualTo(live.aliasesOf(OWNER).size() + live.aliasesOf(OTHER).size());
        assertEqual(restored);
        assertThat(restored.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, 0, 1000))
                .isEqualTo(live.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, 0, 1000));
        assertThat(restored.aliasesOf(OWNER)).isEqualTo(live.aliasesOf(OWNER));
        assertThat(restored.keyCount(OTHER)).isEqualTo(live.keyCount(OTHER));
    }

    @Test
    void snapshotRestartThenLaterEventsEqualsAFullRebuild() throws Exception {
        byte[] snapshot = snapshot(live);
        int taken = population.events().size();
        // after the snapshot: new keys and aliases, and changes to keys and aliases it holds
        List<KeyId> keys = population.keysOf(OWNER);
        population.addKeys(OWNER, 30);
        population.addAliases(OTHER, 12);
        population.scheduleDeletion(keys.get(3));
        population.delete(keys.get(3));
        population.toggle(keys.get(5), live.find(OWNER, keys.get(5)).map(KeyRecord::state).orElseThrow());
        List<DomainEventMessage<?>> all = population.events();

        KeyView fromSnapshot = new KeyView(population, keyId -> { });
        fromSnapshot.restoreSnapshot(new ByteArrayInputStream(snapshot), () -> { });
        // the events after the snapshot, and some before it again: a snapshot is labelled with
        // a position applied before the copy began, so a restart replays a few it already holds
        all.subList(taken - 25, all.size()).forEach(fromSnapshot::apply);

        KeyView rebuilt = new KeyView(population, keyId -> { });
        all.forEach(rebuilt::apply);
        ViewComparison comparison = rebuilt.takeOver(fromSnapshot, () -> { }, false);
        assertThat(comparison.equal()).as("%s", comparison.differences()).isTrue();
        assertThat(fromSnapshot.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, 0, 1000))
                .isEqualTo(rebuilt.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, 0, 1000));
        assertThat(fromSnapshot.aliasesOf(OTHER)).isEqualTo(rebuilt.aliasesOf(OTHER));
    }

    @Test
    void snapshotOfAnotherLayoutIsRefused() throws Exception {
        byte[] snapshot = snapshot(live);
        String layout = KeyView.SNAPSHOT_LAYOUT;
        assertThat(layout).startsWith("1-");
        byte[] older = replace(snapshot, layout, "0-" + layout.substring(2));

        assertRefused(older, "layout");
    }

    @Test
    void snapshotCutShortIsRefused() throws Exception {
        byte[] snapshot = snapshot(live);
        assertRefused(Arrays.copyOf(snapshot, snapshot.length / 2), "does not read");
        assertRefused(Arrays.copyOf(snapshot, snapshot.length - 1), "does not read");
    }

    @Test
    void snapshotWithBytesAfterItsEndOrAlteredCountsIsRefused() throws Exception {
        byte[] snapshot = snapshot(live);
        assertRefused(Arrays.copyOf(snapshot, snapshot.length + 1), "follow its end");
        byte[] altered = snapshot.clone();
        altered[altered.length - 6] ^= 1; // the alias count of the trailer
        assertRefused(altered, "counts");
    }

    @Test
    void snapshotThatFailsItsCallersCheckIsRefused() throws Exception {
        KeyView view = new KeyView(population, keyId -> { });
        assertThatThrownBy(() -> view.restoreSnapshot(new ByteArrayInputStream(snapshot(live)), () -> {
            throw new SnapshotRejectedException("its digest differs");
        })).isInstanceOf(SnapshotRejectedException.class).hasMessageContaining("digest");
        assertThat(view.keyRecords()).isZero();
    }

    private void assertRefused(byte[] snapshot, String reason) {
        KeyView view = new KeyView(population, keyId -> { });
        population.events().subList(0, 10).forEach(view::apply);
        long before = view.keyRecords();
        assertThatThrownBy(() -> view.restoreSnapshot(new ByteArrayInputStream(snapshot), () -> { }))
                .isInstanceOf(SnapshotRejectedException.class).hasMessageContaining(reason);
        assertThat(view.keyRecords()).as("the view is as it was").isEqualTo(before);
    }

    private void assertEqual(KeyView restored) {
        ViewComparison comparison = live.takeOver(restored, () -> { }, false);
        assertThat(comparison.equal()).as("%s", comparison.differences()).isTrue();
        assertThat(comparison.keys() + comparison.deletedKeys()).isEqualTo(340);
    }

    private static byte[] snapshot(KeyView view) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        view.writeSnapshot(out);
        return out.toByteArray();
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text).contains(from);
        return text.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
