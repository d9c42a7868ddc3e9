package org.opencmk.kms.server.support;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.assertj.core.api.ThrowableAssert;

/** Small conveniences around the official SDK for tests. */
public final class Sdk {

    private Sdk() {
    }

    @FunctionalInterface
    public interface SdkCall {
        Object call() throws Exception;
    }

    public static String createKey(KmsClient client, String alias) throws TencentCloudSDKException {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setAlias(alias);
        request.setDescription("test key");
        return client.CreateKey(ProtectionLevels.atCurrentLevel(request)).getKeyId();
    }

    public static String createKey(KmsClient client) throws TencentCloudSDKException {
        return createKey(client, null);
    }

    public static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static String text(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The Tencent error code the call failed with, or null when it succeeded. */
    public static String errorOf(SdkCall call) throws Exception {
        try {
            call.call();
            return null;
        } catch (TencentCloudSDKException e) {
            return e.getErrorCode();
        }
    }

    /** Asserts the call fails with this Tencent error code. */
    public static void assertError(String code, SdkCall call) {
        ThrowableAssert.ThrowingCallable callable = call::call;
        assertThatThrownBy(callable)
                .isInstanceOf(TencentCloudSDKException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((TencentCloudSDKException) e).getErrorCode())
                        .as("error code of: " + e.getMessage())
                        .isEqualTo(code));
    }
}
