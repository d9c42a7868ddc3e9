package org.opencmk.kms.server.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Several KMS nodes on one database (DESIGN.md "Storage and scale-out"): same database, same root key. */
public final class Nodes {

    private Nodes() {
    }

    /** Settings for every node of one cluster on {@code database}, with a fresh root key, plus {@code extra}. */
    public static Map<String, String> sharing(EmbeddedPostgres database, Map<String, String> extra) {
        byte[] rootKey = new byte[32];
        new SecureRandom().nextBytes(rootKey);
        Map<String, String> settings = new HashMap<>(extra);
        settings.put("kms.root-key", Base64.getEncoder().encodeToString(rootKey));
        settings.put("kms.db.url", database.getJdbcUrl("postgres", "postgres"));
        settings.put("kms.db.user", "postgres");
        settings.put("kms.db.password", "");
        return Map.copyOf(settings);
    }
}
