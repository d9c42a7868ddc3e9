package org.opencmk.kms.server.protocol;

/** Offset and Limit of a listing, as Tencent has them: Offset from 0, Limit 10 by default and at most 200. */
final class Paging {

    static final int DEFAULT_LIMIT = 10;
    static final int MAX_LIMIT = 200;

    private Paging() {
    }

    static int offset(Long offset) {
        return Fields.inRange(offset, 0, 0, Integer.MAX_VALUE, "Offset");
    }

    static int limit(Long limit) {
        return Fields.inRange(limit, DEFAULT_LIMIT, 0, MAX_LIMIT, "Limit");
    }
}
