package org.opencmk.kms.server.projection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.query.keyview.KeyView.SnapshotContent;
import org.opencmk.kms.query.keyview.SnapshotRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The key view's snapshots in the database (issue 17): written by any node, read by every node
 * that starts, so that a start costs the newest snapshot plus the events after it, not the whole
 * history.
 *
 * <p>A snapshot is trusted only if all of this holds, and otherwise the view is rebuilt from every
 * event (and the reason logged):
 * <ul>
 *   <li>its layout is this release's ({@link KeyView#SNAPSHOT_LAYOUT}): an older layout is
 *       rebuilt, never misread;</li>
 *   <li>its bytes have the SHA-256 written beside them, and read in full as a snapshot;</li>
 *   <li>the event store holds, at the snapshot's position, the very event the snapshot was
 *       labelled with (its aggregate and sequence number): a database restored from an older
 *       backup, or an event store swapped under the snapshots, disagrees there.</li>
 * </ul>
 * Writers take a transaction-scoped advisory lock, so that two nodes do not write at once; a
 * snapshot becomes visible whole, at its transaction's commit, and the two newest are kept.
 */
public class KeyViewSnapshots {

    private static final Logger log = LoggerFactory.getLogger(KeyViewSnapshots.class);
    /** Bytes per stored chunk: a start reads one at a time, one ahead of its parsing. */
    static final int CHUNK_BYTES = 4 << 20;
    private static final int KEPT = 2;
    /** pg_try_advisory_xact_lock's key for snapshot writers ("kvsnap"). */
    private static final long WRITERS_LOCK = 0x6b76736e6170L;

    /** A snapshot restored: its id, the position after which events are to be applied, and what it held. */
    public record Restored(long id, GapAwareTrackingToken position, SnapshotContent content) {
    }

    /** A snapshot written. */
    public record Written(long id, long position, SnapshotContent content, long bytes) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final KeyView view;
    private final Clock clock;
    private final String node;
    private final int chunkBytes;

    public KeyViewSnapshots(JdbcTemplate jdbc, TransactionTemplate transaction, KeyView view, Clock clock, String node) {
        this(jdbc, transaction, view, clock, node, CHUNK_BYTES);
    }

    /** With chunks of another size than {@link #CHUNK_BYTES}: tests store a small view in many. */
    public KeyViewSnapshots(JdbcTemplate jdbc, TransactionTemplate transaction, KeyView view, Clock clock, String node,
                            int chunkBytes) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.view = view;
        this.clock = clock;
        this.node = node;
        this.chunkBytes = chunkBytes;
    }

    /**
     * Restores the newest snapshot into the view, which must not have applied anything yet. Empty
     * when there is none, or when it is not to be trusted: the view is then untouched, and is to
     * be rebuilt from every event.
     */
    public Optional<Restored> restoreNewest() {
        List<Header> newest = jdbc.query("SELECT id, layout, token_index, token_gaps, anchor_aggregate, anchor_sequence,"
                + " sha256 FROM kms_key_view_snapshot ORDER BY id DESC LIMIT 1",
                (rs, n) -> new Header(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                        rs.getLong(6), rs.getBytes(7)));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Header header = newest.get(0);
        try {
            return Optional.of(restore(header));
        } catch (SnapshotRejectedException e) {
            log.warn("Key view snapshot {} not used, the key view is rebuilt from every event: {}", header.id,
                    e.getMessage());
            return Optional.empty();
        }
    }

    private Restored restore(Header header) throws SnapshotRejectedException {
        if (!KeyView.SNAPSHOT_LAYOUT.equals(header.layout)) {
            throw new SnapshotRejectedException("written in layout " + header.layout + ", this release reads "
                    + KeyView.SNAPSHOT_LAYOUT);
        }
        List<String> anchor = jdbc.query("SELECT aggregateidentifier || '#' || sequencenumber FROM domainevententry"
                + " WHERE globalindex = ?", (rs, n) -> rs.getString(1), header.tokenIndex);
        if (anchor.size() != 1 || !anchor.get(0).equals(header.anchorAggregate + "#" + header.anchorSequence)) {
            throw new SnapshotRejectedException("it disagrees with the event store: the event at its position "
                    + header.tokenIndex + (anchor.isEmpty() ? " is missing" : " is another"));
        }
        GapAwareTrackingToken position = header.position();
        try (ChunkInputStream chunks = new ChunkInputStream(header.id)) {
            SnapshotContent content = view.restoreSnapshot(chunks, () -> {
                if (!MessageDigest.isEqual(chunks.digestOfAll(), header.sha256)) {
                    throw new SnapshotRejectedException("its bytes do not have the SHA-256 stored with them");
                }
            });
            log.info("Key view snapshot {}: {} KiB in {} chunks, {} ms reading them from the database, {} ms digesting"
                    + " them; the parse waited {} ms for them", header.id, chunks.bytes >> 10, chunks.chunks,
                    chunks.readNanos / 1_000_000, chunks.digestNanos / 1_000_000, chunks.waitedNanos / 1_000_000);
            return new Restored(header.id, position, content);
        }
    }

    /** The position of the newest snapshot, -1 when there is none. */
    public long newestPosition() {
        Long newest = jdbc.queryForObject("SELECT max(token_index) FROM kms_key_view_snapshot", Long.class);
        return newest == null ? -1 : newest;
    }

    /**
     * Writes a snapshot of the view, labelled with {@code position}: a position of the event stream
     * the view had fully applied before this call (see {@link KeyView#writeSnapshot}). Empty when
     * another node is writing one at this moment.
     */
    public Optional<Written> write(GapAwareTrackingToken position) {
        return transaction.execute(status -> {
            Boolean locked = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)", Boolean.class, WRITERS_LOCK);
            if (!Boolean.TRUE.equals(locked)) {
                return Optional.<Written>empty();
            }
            List<String[]> anchor = jdbc.query("SELECT aggregateidentifier, sequencenumber FROM domainevententry"
                    + " WHERE globalindex = ?", (rs, n) -> new String[] {rs.getString(1), rs.getString(2)},
                    position.getIndex());
            if (anchor.isEmpty()) {
                throw new IllegalStateException("no event at the position " + position.getIndex() + " of the view");
            }
            Long id = jdbc.queryForObject("INSERT INTO kms_key_view_snapshot (layout, token_index, token_gaps,"
                    + " anchor_aggregate, anchor_sequence, key_count, alias_count, size_bytes, sha256, written_by,"
                    + " written_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, ''::bytea, ?, ?) RETURNING id", Long.class,
                    KeyView.SNAPSHOT_LAYOUT, position.getIndex(), gaps(position), anchor.get(0)[0],
                    Long.parseLong(anchor.get(0)[1]), node, Timestamp.from(clock.instant()));
            MessageDigest sha256 = sha256();
            ChunkOutputStream chunks = new ChunkOutputStream(id);
            SnapshotContent content;
            try (OutputStream out = new DigestOutputStream(chunks, sha256)) {
                content = view.writeSnapshot(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            jdbc.update("UPDATE kms_key_view_snapshot SET key_count = ?, alias_count = ?, size_bytes = ?, sha256 = ?"
                    + " WHERE id = ?", content.keys(), content.aliases(), chunks.written, sha256.digest(), id);
            jdbc.update("DELETE FROM kms_key_view_snapshot WHERE id NOT IN"
                    + " (SELECT id FROM kms_key_view_snapshot ORDER BY id DESC LIMIT " + KEPT + ")");
            return Optional.of(new Written(id, position.getIndex(), content, chunks.written));
        });
    }

    private static String gaps(GapAwareTrackingToken position) {
        return position.getGaps().stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private record Header(long id, String layout, long tokenIndex, String tokenGaps, String anchorAggregate,
                          long anchorSequence, byte[] sha256) {

        GapAwareTrackingToken position() throws SnapshotRejectedException {
            SortedSet<Long> gaps = new TreeSet<>();
            try {
                Arrays.stream(tokenGaps.split(",")).filter(gap -> !gap.isEmpty()).map(Long::valueOf).forEach(gaps::add);
            } catch (NumberFormatException e) {
                throw new SnapshotRejectedException("its position's gaps do not read as numbers");
            }
            return GapAwareTrackingToken.newInstance(tokenIndex, gaps);
        }
    }

    /**
     * A snapshot's bytes, one stored chunk at a time, fetched and digested one chunk ahead on a
     * thread of their own: a start reads the database and computes the SHA-256 on one core while
     * it parses on another.
     */
    private final class ChunkInputStream extends InputStream {
        private static final Object END = new Object();
        private static final long OFFER_MILLIS = 100;

        private final long id;
        private final MessageDigest sha256 = sha256();
        /** Chunks fetched, then {@link #END} or the failure that stopped the fetching. */
        private final BlockingQueue<Object> fetched = new ArrayBlockingQueue<>(2);
        private volatile boolean closed;
        private byte[] chunk = new byte[0];
        private int offset;
        private boolean end;
        // the fetcher's, read once END is taken
        private long readNanos;
        private long digestNanos;
        private long bytes;
        private int chunks;
        private long waitedNanos;

        ChunkInputStream(long id) {
            this.id = id;
            Thread fetcher = new Thread(this::fetchAll, "kms-key-view-restore");
            fetcher.setDaemon(true);
            fetcher.start();
        }

        private void fetchAll() {
            Object next;
            int chunkNumber = 0;
            do {
                try {
                    long started = System.nanoTime();
                    List<byte[]> found = jdbc.query("SELECT data FROM kms_key_view_snapshot_chunk"
                            + " WHERE snapshot_id = ? AND chunk = ?", (rs, n) -> rs.getBytes(1), id, chunkNumber++);
                    long read = System.nanoTime();
                    readNanos += read - started;
                    if (found.isEmpty()) {
                        next = END;
                    } else {
                        // digested before it is handed over: the reader sees every update once it has END
                        sha256.update(found.get(0));
                        digestNanos += System.nanoTime() - read;
                        bytes += found.get(0).length;
                        chunks++;
                        next = found.get(0);
                    }
                } catch (RuntimeException e) {
                    next = e;
                }
            } while (hand(next) && next instanceof byte[]);
        }

        /** Queues one item; false once the reader has closed the stream. */
        private boolean hand(Object item) {
            try {
                while (!closed) {
                    if (fetched.offer(item, OFFER_MILLIS, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int off, int length) throws IOException {
            while (offset == chunk.length) {
                if (end) {
                    return -1;
                }
                Object next = take();
                if (next == END) {
                    end = true;
                    return -1;
                }
                chunk = (byte[]) next;
                offset = 0;
            }
            int count = Math.min(length, chunk.length - offset);
            System.arraycopy(chunk, offset, buffer, off, count);
            offset += count;
            return count;
        }

        private Object take() throws IOException {
            Object next;
            long started = System.nanoTime();
            try {
                next = fetched.take();
                waitedNanos += System.nanoTime() - started;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a key view snapshot");
            }
            if (next instanceof RuntimeException failure) {
                throw new IOException("a chunk of the snapshot cannot be read", failure);
            }
            return next;
        }

        /** The SHA-256 of every stored chunk, those not read yet included. */
        byte[] digestOfAll() throws SnapshotRejectedException {
            try {
                while (!end) {
                    end = take() == END;
                }
            } catch (IOException e) {
                throw new SnapshotRejectedException("its bytes cannot be read", e);
            }
            return sha256.digest();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Stores what is written in chunks of {@link #chunkBytes}, inside the writer's transaction. */
    private final class ChunkOutputStream extends OutputStream {
        private final long id;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(chunkBytes);
        private int next;
        private long written;

        ChunkOutputStream(long id) {
            this.id = id;
        }

        @Override
        public void write(int b) {
            buffer.write(b);
            flushIfFull();
        }

        @Override
        public void write(byte[] bytes, int off, int length) {
            while (length > 0) {
                int count = Math.min(length, chunkBytes - buffer.size());
                buffer.write(bytes, off, count);
                off += count;
                length -= count;
                flushIfFull();
            }
        }

        private void flushIfFull() {
            if (buffer.size() >= chunkBytes) {
                store();
            }
        }

        private void store() {
            if (buffer.size() == 0) {
                return;
            }
            jdbc.update("INSERT INTO kms_key_view_snapshot_chunk (snapshot_id, chunk, data) VALUES (?, ?, ?)",
                    id, next++, buffer.toByteArray());
            written += buffer.size();
            buffer.reset();
        }

        @Override
        public void close() {
            store();
        }
    }
}
