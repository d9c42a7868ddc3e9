package org.opencmk.kms.audit.chain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Where a chain stands: its last entry's hash ({@code head}), how many entries it has, the offset
 * of the last one, the next offset to read, and how many duplicates it skipped.
 */
public record ChainHead(ChainId chain, long entries, Long lastOffset, long nextOffset, byte[] head, long duplicates) {

    public String headHex() {
        return HexFormat.of().formatHex(head);
    }

    /** As {@code verify} prints it. */
    public String line() {
        return chain + " entries=" + entries + " lastOffset=" + (lastOffset == null ? "-" : lastOffset)
                + " head=" + headHex();
    }

    /**
     * One value for all the heads, to note down or compare in one go: SHA-256 over the lines
     * {@code <topic> <partition> <head hex>\n} in the order of topic, then partition.
     */
    public static String digest(List<ChainHead> heads) {
        MessageDigest sha = ChainEncoding.sha256();
        heads.stream().sorted((a, b) -> a.chain().compareTo(b.chain())).forEach(head -> sha.update(
                (head.chain().topic() + " " + head.chain().partition() + " " + head.headHex() + "\n")
                        .getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(sha.digest());
    }
}
