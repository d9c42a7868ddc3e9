package org.opencmk.kms.server.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Records who called what on which key, and how it ended. Never receives plaintext, key material
 * or secrets: only identifiers and the outcome code.
 */
@Component
public class ApiCallLog {

    private static final Logger log = LoggerFactory.getLogger("kms.audit");

    /** One finished API call. {@code account}, {@code secretId} and {@code keyId} may be null. */
    public record ApiCall(String requestId, String action, Long account, String secretId, String keyId,
                          String outcome, long micros) {
    }

    public void record(ApiCall call) {
        if (log.isInfoEnabled()) {
            log.info("requestId={} action={} account={} secretId={} keyId={} outcome={} micros={}",
                    call.requestId(), call.action(), call.account(), call.secretId(), call.keyId(),
                    call.outcome(), call.micros());
        }
    }
}
