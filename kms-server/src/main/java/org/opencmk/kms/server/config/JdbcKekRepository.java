package org.opencmk.kms.server.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.opencmk.kms.crypto.hierarchy.KekRepository;
import org.opencmk.kms.events.KeyId;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Key-encryption key references in {@code kms_key_encryption_key}, and every one of them in
 * memory, so that the hot path's cache miss ({@link #find}) never waits for the database
 * (DESIGN.md "Hot path"). Writes join the command's transaction, so a key's creation or deletion
 * and its KEK commit or roll back together; memory follows the outcome.
 *
 * <p>Memory is filled once at start ({@link #loadAll} after the key view is rebuilt, or {@link
 * #install} of references read beside a snapshot's restore, before the events after it) and then
 * kept current per key: this node's own writes at once, another node's through the key view's
 * events ({@link #learn} on a key's creation, {@link #forget} on its deletion).
 */
public final class JdbcKekRepository implements KekRepository {

    private final JdbcTemplate jdbc;
    private final Map<KeyId, byte[]> references = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    public JdbcKekRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<byte[]> find(KeyId keyId) {
        return Optional.ofNullable(references.get(keyId)).map(byte[]::clone);
    }

    @Override
    public void save(KeyId keyId, byte[] kekReference) {
        jdbc.update("INSERT INTO kms_key_encryption_key (key_id, kek_reference) VALUES (?, ?)",
                keyId.value(), kekReference);
        byte[] copy = kekReference.clone();
        references.put(keyId, copy);
        onRollback(() -> references.remove(keyId, copy));
    }

    @Override
    public void forget(KeyId keyId) {
        byte[] forgotten = references.remove(keyId);
        if (forgotten != null) {
            onRollback(() -> references.putIfAbsent(keyId, forgotten));
        }
    }

    @Override
    public void delete(KeyId keyId) {
        jdbc.update("DELETE FROM kms_key_encryption_key WHERE key_id = ?", keyId.value());
    }

    /** A stored reference, read but not yet in memory. */
    public record Stored(String keyId, byte[] kekReference) {
    }

    /** Reads every stored reference, without keeping them: {@link #install} does. */
    public List<Stored> readAll() {
        return jdbc.query("SELECT key_id, kek_reference FROM kms_key_encryption_key",
                (rs, n) -> new Stored(rs.getString(1), rs.getBytes(2)));
    }

    /**
     * Keeps references {@link #readAll read} earlier in memory; from then on {@link #learn} reads
     * the keys it is told of, and {@link #forget} drops those deleted. References read before the
     * key view is complete are installed before the rest of its events are applied, so that the
     * keys created or deleted since the read reach memory through those events.
     *
     * @param canonical the instance of each key id to keep (the key view's), so that memory holds
     *     one copy of each id
     */
    public void install(List<Stored> stored, UnaryOperator<KeyId> canonical) {
        for (Stored row : stored) {
            references.put(canonical.apply(new KeyId(row.keyId())), row.kekReference());
        }
        loaded = true;
    }

    /** Reads every reference into memory; from then on {@link #learn} reads the keys it is told of. */
    public void loadAll(UnaryOperator<KeyId> canonical) {
        install(readAll(), canonical);
    }

    /** How many references memory holds. */
    public int size() {
        return references.size();
    }

    /** Reads one key's reference again (it was rewritten in the database); forgets it when it is gone. */
    public void reload(KeyId keyId) {
        stored(keyId).ifPresentOrElse(reference -> references.put(keyId, reference), () -> references.remove(keyId));
    }

    private Optional<byte[]> stored(KeyId keyId) {
        return jdbc.query("SELECT kek_reference FROM kms_key_encryption_key WHERE key_id = ?",
                (rs, n) -> rs.getBytes(1), keyId.value()).stream().findFirst();
    }

    /**
     * A key was created, maybe on another node: reads its reference unless memory has it (then
     * keeps it under the given instance of the id, the key view's). Called
     * from the key view's feeds, never from an event loop. Before {@link #loadAll} (while the key
     * view is rebuilt at start) it does nothing: {@code loadAll} reads them all at once.
     */
    public void learn(KeyId keyId) {
        byte[] known = references.get(keyId);
        if (known != null) {
            // saved on this node, under the command's instance of the id: keep the key view's, so
            // that memory holds one (the key is not visible yet, so nothing looks it up meanwhile)
            if (references.remove(keyId, known)) {
                references.putIfAbsent(keyId, known);
            }
            return;
        }
        if (!loaded) {
            return;
        }
        stored(keyId).ifPresent(reference -> references.putIfAbsent(keyId, reference));
    }

    private static void onRollback(Runnable undo) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status != STATUS_COMMITTED) {
                        undo.run();
                    }
                }
            });
        }
    }
}
