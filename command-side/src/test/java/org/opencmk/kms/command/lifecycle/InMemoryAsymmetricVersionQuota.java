package org.opencmk.kms.command.lifecycle;

import java.util.ArrayList;
import java.util.List;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

/** The quota for fixtures: a list, no transactions (a fixture runs one command at a time). */
final class InMemoryAsymmetricVersionQuota implements AsymmetricVersionQuota {

    record Reservation(AccountId account, KeyId keyId, KeyVersionId versionId) {
    }

    private final int limit;
    private final List<Reservation> reservations = new ArrayList<>();

    InMemoryAsymmetricVersionQuota(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void reserve(AccountId account, KeyId keyId, KeyVersionId versionId) {
        if (reservations.stream().filter(r -> r.account().equals(account)).count() >= limit) {
            throw new KmsException(KmsError.KEY_VERSION_LIMIT_EXCEEDED, "limit " + limit);
        }
        reservations.add(new Reservation(account, keyId, versionId));
    }

    @Override
    public synchronized void release(KeyId keyId) {
        reservations.removeIf(r -> r.keyId().equals(keyId));
    }

    synchronized List<Reservation> reservations() {
        return List.copyOf(reservations);
    }
}
