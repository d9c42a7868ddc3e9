package org.opencmk.kms.server.support;

import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * The protection level the suites that run at both levels create their keys at: SOFTWARE, or HSM
 * when failsafe's second execution sets {@code kms.it.protection-level=HSM} (the shared server then
 * has a SoftHSM2 token as its HSM).
 */
public final class ProtectionLevels {

    private ProtectionLevels() {
    }

    public static ProtectionLevel current() {
        return ProtectionLevel.valueOf(System.getProperty("kms.it.protection-level", "SOFTWARE"));
    }

    public static boolean hsm() {
        return current() == ProtectionLevel.HSM;
    }

    /** {@code request}, asking for the current level (Tencent's HsmClusterId names the HSM). */
    public static CreateKeyRequest atCurrentLevel(CreateKeyRequest request) {
        if (hsm()) {
            request.setHsmClusterId(SoftHsm.TOKEN_LABEL);
        }
        return request;
    }

    /** A raw CreateKey body's extra field for the current level: empty, or {@code ,"ProtectionLevel":"HSM"}. */
    public static String jsonField() {
        return hsm() ? ",\"ProtectionLevel\":\"HSM\"" : "";
    }
}
