package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * Listings by index through the API (issue 17, part 2): walking the pages oldest first finds
 * every key exactly once while keys are created, disabled and scheduled for deletion between
 * and during the pages, and every filtered page and TotalCount agree with the keys' states.
 */
class ListingsIT {

    private RawClient raw;

    @BeforeEach
    void freshAccount() {
        raw = Accounts.create(SharedKmsServer.get(), "listings").raw();
    }

    @Test
    void walkingThePagesFindsEveryKeyOnceWhileKeysAreCreatedAndDeletedBetweenAndDuringPages() throws Exception {
        List<String> existing = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            existing.add(createKey());
        }
        AtomicBoolean walking = new AtomicBoolean(true);
        ExecutorService others = Executors.newSingleThreadExecutor();
        Future<Integer> churn = others.submit(() -> {
            // during the pages: keys created and scheduled for deletion, and keys of the second half
            // disabled and enabled again (the walk schedules the deletion of keys of the first half)
            int changes = 0;
            while (walking.get() && changes < 40) {
                String created = createKey();
                ok(raw, "ScheduleKeyDeletion", body("KeyId", created, "PendingWindowInDays", 7));
                String toggled = existing.get(30 + changes % 30);
                ok(raw, "DisableKey", body("KeyId", toggled));
                ok(raw, "EnableKey", body("KeyId", toggled));
                changes++;
            }
            return changes;
        });
        List<String> walked = new ArrayList<>();
        try {
            for (int offset = 0, page = 0; page < 30; page++) {
                JsonNode answer = ok(raw, "ListKeys", body("Offset", offset, "Limit", 7));
                JsonNode keys = answer.path("Keys");
                if (keys.isEmpty()) {
                    break;
                }
                keys.forEach(key -> walked.add(key.path("KeyId").asText()));
                offset += keys.size();
                // between pages too: a new key, one scheduled for deletion, one disabled
                String created = createKey();
                ok(raw, "ScheduleKeyDeletion", body("KeyId", existing.get(page % 30), "PendingWindowInDays", 7));
                ok(raw, "DisableKey", body("KeyId", created));
            }
        } finally {
            walking.set(false);
            assertThat(churn.get()).isPositive();
            others.shutdown();
        }
        Set<String> once = new HashSet<>();
        walked.forEach(keyId -> assertThat(once.add(keyId)).as("%s listed twice", keyId).isTrue());
        assertThat(walked).containsAll(existing);
    }

    @Test
    void filteredPagesAndTotalCountsAgreeWithTheKeysStates() {
        for (int i = 0; i < 25; i++) {
            String keyId = createKey();
            if (i % 3 == 1) {
                ok(raw, "DisableKey", body("KeyId", keyId));
            } else if (i % 5 == 2) {
                ok(raw, "ScheduleKeyDeletion", body("KeyId", keyId, "PendingWindowInDays", 7));
            }
        }
        ok(raw, "CreateKey", body("Alias", "imported-one", "Type", 2));
        Map<String, List<String>> byState = new HashMap<>();
        JsonNode all = ok(raw, "ListKeyDetail", body("Limit", 200, "OrderType", 1));
        all.path("KeyMetadatas").forEach(key -> byState.computeIfAbsent(key.path("KeyState").asText(),
                s -> new ArrayList<>()).add(key.path("KeyId").asText()));
        assertThat(all.path("TotalCount").asInt()).isEqualTo(26);
        assertThat(ok(raw, "GetServiceStatus", body()).path("CmkUserCount").asInt()).isEqualTo(26);

        Map<Integer, String> states = Map.of(1, "Enabled", 2, "Disabled", 3, "PendingDelete", 4, "PendingImport");
        states.forEach((filter, state) -> {
            List<String> expected = byState.getOrDefault(state, List.of());
            List<String> paged = new ArrayList<>();
            for (int offset = 0; ; offset += 4) {
                JsonNode page = ok(raw, "ListKeyDetail", body("KeyState", filter, "Offset", offset, "Limit", 4,
                        "OrderType", 1));
                assertThat(page.path("TotalCount").asInt()).as(state).isEqualTo(expected.size());
                if (page.path("KeyMetadatas").isEmpty()) {
                    break;
                }
                page.path("KeyMetadatas").forEach(key -> paged.add(key.path("KeyId").asText()));
            }
            assertThat(paged).as(state).isEqualTo(expected);
            JsonNode newestFirst = ok(raw, "ListKeyDetail", body("KeyState", filter, "Limit", 200));
            List<String> reversed = new ArrayList<>();
            newestFirst.path("KeyMetadatas").forEach(key -> reversed.add(0, key.path("KeyId").asText()));
            assertThat(reversed).as(state + ", newest first").isEqualTo(expected);
        });
        assertThat(ok(raw, "ListKeyDetail", body("Origin", "EXTERNAL", "Limit", 10)).path("TotalCount").asInt())
                .isEqualTo(1);
        assertThat(ok(raw, "ListKeyDetail", body("SearchKeyAlias", "imported", "Limit", 10)).path("TotalCount").asInt())
                .isEqualTo(1);
    }

    private String createKey() {
        return ok(raw, "CreateKey", body()).path("KeyId").asText();
    }
}
