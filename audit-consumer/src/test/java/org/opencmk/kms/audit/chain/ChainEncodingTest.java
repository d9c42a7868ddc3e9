package org.opencmk.kms.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins the chain's encoding to the one the README documents: these hashes were computed from the
 * documented layout by a separate implementation (Python's hashlib), so a change to the encoding
 * cannot slip through unnoticed, and anyone may recompute a chain without this code.
 */
class ChainEncodingTest {

    private static final byte[] VALUE = "{\"schemaVersion\":1,\"recordId\":\"r-1\",\"action\":\"Encrypt\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void theFirstEntryHashesTheGenesisAndItsFields() {
        byte[] first = ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.AUDIT, "r-1", VALUE);
        assertThat(HexFormat.of().formatHex(first))
                .isEqualTo("efda14409a15461a1d3031f8acac9d029508baaea1330622e3837af7a13fbdd1");

        // An entry without an id (a value that is no record), after the first.
        byte[] second = ChainEncoding.hash(first, "kms.audit", 2, 43, 2, RecordKind.AUDIT, null, new byte[] {0, -1, 127});
        assertThat(HexFormat.of().formatHex(second))
                .isEqualTo("8b9719f47880fdf06f069e302f59c4a521ae399f4f536a2dea8575d86d58bc1f");
    }

    @Test
    void everyFieldChangesTheHash() {
        byte[] base = ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.AUDIT, "r-1", VALUE);
        byte[] otherPrev = new byte[32];
        otherPrev[31] = 1;
        assertThat(ChainEncoding.hash(otherPrev, "kms.audit", 2, 41, 1, RecordKind.AUDIT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit2", 2, 41, 1, RecordKind.AUDIT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 3, 41, 1, RecordKind.AUDIT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 42, 1, RecordKind.AUDIT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 2, RecordKind.AUDIT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.EVENT, "r-1", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.AUDIT, "r-2", VALUE)).isNotEqualTo(base);
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.AUDIT, null, VALUE)).isNotEqualTo(base);
        byte[] changed = VALUE.clone();
        changed[5] ^= 1;
        assertThat(ChainEncoding.hash(ChainEncoding.genesis(), "kms.audit", 2, 41, 1, RecordKind.AUDIT, "r-1", changed)).isNotEqualTo(base);
    }

    @Test
    void lengthsKeepNeighbouringFieldsApart() {
        // Without the lengths, an empty id and a value starting with the id's bytes would encode alike.
        byte[] a = ChainEncoding.hash(ChainEncoding.genesis(), "t", 0, 0, 1, RecordKind.AUDIT, "ab", "c".getBytes(StandardCharsets.UTF_8));
        byte[] b = ChainEncoding.hash(ChainEncoding.genesis(), "t", 0, 0, 1, RecordKind.AUDIT, "a", "bc".getBytes(StandardCharsets.UTF_8));
        assertThat(a).isNotEqualTo(b);
    }
}
