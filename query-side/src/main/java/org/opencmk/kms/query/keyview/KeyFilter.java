package org.opencmk.kms.query.keyview;

import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;

/**
 * Which of an account's live keys a listing shows (ListKeys, ListKeyDetail), and in which order;
 * a null field matches every key.
 *
 * @param aliasContains keys with an alias containing this text; null or empty for all
 * @param newestFirst the order of creation, newest first (Tencent's OrderType 0) or oldest first
 */
public record KeyFilter(KeyState state, Origin origin, KeyUsage keyUsage, String aliasContains,
                        boolean newestFirst) {

    public static final KeyFilter ALL_OLDEST_FIRST = new KeyFilter(null, null, null, null, false);

    boolean searchesAliases() {
        return aliasContains != null && !aliasContains.isEmpty();
    }

    boolean matchesAll() {
        return state == null && origin == null && keyUsage == null && !searchesAliases();
    }

    boolean matches(KeyState keyState, Origin keyOrigin, KeyUsage usage) {
        return (state == null || state == keyState) && (origin == null || origin == keyOrigin)
                && (keyUsage == null || keyUsage == usage);
    }
}
