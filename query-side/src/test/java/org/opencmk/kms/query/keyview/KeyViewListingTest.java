package org.opencmk.kms.query.keyview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.query.keyview.Population.OTHER;
import static org.opencmk.kms.query.keyview.Population.OWNER;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;

/**
 * Listings by index (issue 17): every page and TotalCount equal what sorting and filtering the
 * whole account would give, and a walk through the pages finds every key once while keys are
 * created, change state and are scheduled for deletion between and during pages.
 */
class KeyViewListingTest {

    private Population population;
    private KeyView view;

    @BeforeEach
    void setUp() {
        population = new Population(17);
        view = new KeyView(population, keyId -> { });
        population.addKeys(OWNER, 400);
        population.addKeys(OTHER, 50);
        population.addAliases(OWNER, 60);
        population.events().forEach(view::apply);
    }

    @Test
    void everyFilterOrderAndPageEqualsSortingTheWholeAccount() {
        List<KeyFilter> filters = new ArrayList<>();
        for (KeyState state : Stream.concat(Stream.of((KeyState) null), Stream.of(KeyState.values())).toList()) {
            for (Origin origin : new Origin[] {null, Origin.TENCENT_KMS, Origin.EXTERNAL}) {
                for (KeyUsage usage : new KeyUsage[] {null, KeyUsage.ENCRYPT_DECRYPT, KeyUsage.ASYMMETRIC_SIGN_VERIFY_ECC}) {
                    filters.add(new KeyFilter(state, origin, usage, null, false));
                    filters.add(new KeyFilter(state, origin, usage, null, true));
                }
            }
        }
        filters.add(new KeyFilter(null, null, null, "alias-100000001-1", true));
        filters.add(new KeyFilter(KeyState.Enabled, null, null, "renamed", false));
        for (KeyFilter filter : filters) {
            List<KeyRecord> expected = wholeAccountSorted(filter);
            for (int[] page : new int[][] {{0, 10}, {0, 1000}, {7, 13}, {expected.size() - 3, 10}, {expected.size() + 5, 10}}) {
                int offset = Math.max(0, page[0]);
                Page<KeyRecord> listed = view.keys(OWNER, filter, offset, page[1]);
                assertThat(listed.totalCount()).as("TotalCount of %s", filter).isEqualTo(expected.size());
                assertThat(listed.items()).as("%s, offset %d, limit %d", filter, offset, page[1])
                        .isEqualTo(expected.subList(Math.min(offset, expected.size()),
                                Math.min(expected.size(), offset + page[1])));
            }
        }
        assertThat(view.keyCount(OWNER)).isEqualTo(wholeAccountSorted(KeyFilter.ALL_OLDEST_FIRST).size());
        assertThat(view.keyCount(OTHER)).isEqualTo(population.keysOf(OTHER).stream()
                .filter(id -> view.find(OTHER, id).isPresent()).count());
    }

    @Test
    void aliasPagesFollowTheOrderOfCreationAndTheirKey() {
        List<AliasRecord> all = view.aliasesOf(OWNER);
        assertThat(all).isSortedAccordingTo(Comparator.comparingLong(AliasRecord::order));
        Page<AliasRecord> page = view.aliases(OWNER, 5, 10);
        assertThat(page.items()).isEqualTo(all.subList(5, 15));
        assertThat(page.totalCount()).isEqualTo(all.size());
        KeyId named = all.get(0).keyId();
        List<AliasRecord> ofKey = all.stream().filter(alias -> alias.keyId().equals(named)).toList();
        assertThat(view.aliasesOf(OWNER, named)).isEqualTo(ofKey);
        assertThat(view.aliases(OWNER, named, 0, 1).totalCount()).isEqualTo(ofKey.size());
        assertThat(view.aliases(OTHER, 0, 10).items()).isEmpty();
    }

    @Test
    void walkingThePagesFindsEveryKeyOnceWhileKeysAreCreatedAndChangedBetweenPages() {
        List<KeyId> before = view.keysOf(OWNER).stream().map(KeyRecord::keyId).toList();
        population.oneKeyPerInstant();
        Set<KeyId> seen = new HashSet<>();
        List<KeyId> walked = new ArrayList<>();
        int offset = 0;
        while (true) {
            Page<KeyRecord> page = view.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, offset, 7);
            if (page.items().isEmpty()) {
                break;
            }
            page.items().forEach(key -> walked.add(key.keyId()));
            offset += page.items().size();
            // between pages: new keys, and keys that change state or are scheduled for deletion
            population.addKeys(OWNER, 2);
            KeyRecord changing = view.keysOf(OWNER).get(offset % view.keysOf(OWNER).size());
            if (changing.state() == KeyState.Enabled || changing.state() == KeyState.Disabled) {
                population.toggle(changing.keyId(), changing.state());
            } else if (changing.state() == KeyState.PendingImport) {
                population.scheduleDeletion(changing.keyId());
            }
            population.events().forEach(view::apply);
        }
        walked.forEach(id -> assertThat(seen.add(id)).as("%s listed twice", id).isTrue());
        assertThat(walked).containsAll(before);
    }

    @Test
    void aPageReadWhileKeysMoveBetweenIndexesListsNoKeyTwiceAndMissesNoneThatStays() throws Exception {
        List<KeyRecord> all = view.keysOf(OWNER);
        List<KeyId> moving = all.stream()
                .filter(key -> key.state() == KeyState.Enabled || key.state() == KeyState.Disabled)
                .map(KeyRecord::keyId).toList();
        Set<KeyId> staying = new HashSet<>();
        all.stream().map(KeyRecord::keyId).filter(id -> !moving.contains(id)).forEach(staying::add);
        AtomicBoolean stop = new AtomicBoolean();
        Thread mover = new Thread(() -> {
            while (!stop.get()) {
                for (KeyId keyId : moving) {
                    synchronized (population) {
                        population.toggle(keyId, view.find(OWNER, keyId).orElseThrow().state());
                        view.apply(population.last());
                    }
                }
            }
        });
        mover.start();
        try {
            for (int round = 0; round < 200; round++) {
                List<KeyId> listed = view.keys(OWNER, KeyFilter.ALL_OLDEST_FIRST, 0, 1000).items().stream()
                        .map(KeyRecord::keyId).toList();
                assertThat(new HashSet<>(listed)).hasSameSizeAs(listed);
                assertThat(listed).containsAll(staying);
                assertThat(listed).hasSize(all.size()); // a moving key is in one index or both, never in none
            }
        } finally {
            stop.set(true);
            mover.join();
        }
    }

    private List<KeyRecord> wholeAccountSorted(KeyFilter filter) {
        Comparator<KeyRecord> byCreation = Comparator.comparing(KeyRecord::createdAt).thenComparing(k -> k.keyId().value());
        return population.keysOf(OWNER).stream()
                .map(id -> view.find(OWNER, id))
                .flatMap(java.util.Optional::stream)
                .filter(k -> filter.state() == null || k.state() == filter.state())
                .filter(k -> filter.origin() == null || k.origin() == filter.origin())
                .filter(k -> filter.keyUsage() == null || k.keyUsage() == filter.keyUsage())
                .filter(k -> !filter.searchesAliases() || view.aliasesOf(OWNER, k.keyId()).stream()
                        .anyMatch(a -> a.alias().value().contains(filter.aliasContains())))
                .sorted(filter.newestFirst() ? byCreation.reversed() : byCreation)
                .toList();
    }
}
