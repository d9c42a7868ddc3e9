package org.opencmk.kms.server.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.account.Credentials;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The checks made before a credential is looked up: the shape of X-TC-Timestamp, its distance
 * from the clock, and (when required) a signed X-TC-Action. The credential store knows no
 * SecretId here, so a request that passes every one of those checks ends in
 * {@code AuthFailure.SecretIdNotFound}.
 */
class AuthenticatorTest {

    private static final long NOW = 1_760_000_000L;
    private static final String TODAY = "2025-10-09";
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    private static final String MINIMAL = "content-type;host";
    private static final String WITH_ACTION = "content-type;host;x-tc-action";

    private final Authenticator authenticator = new Authenticator(mock(Credentials.class), null, CLOCK, false);
    private final Authenticator requiringSignedAction = new Authenticator(mock(Credentials.class), null, CLOCK, true);

    @ParameterizedTest
    @ValueSource(strings = {"+1760000000", " 1760000000", "1760000000 ", "\u0661\u0667\u0666\u0660\u0660\u0660\u0660\u0660\u0660\u0660",
            "\uff11\uff17\uff16\uff10\uff10\uff10\uff10\uff10\uff10\uff10", "0x68e7bb00", "68e7bb00", "1760000000.0", "1.76e9", "",
            "-", "--1", "1-", "12345678901234567890123456789012345678901", "1760000000\n"})
    void aTimestampThatIsNotAsciiDigitsIsMalformed(String timestamp) {
        assertRefused(authenticator, request(MINIMAL, timestamp), ErrorCode.AUTH_INVALID_AUTHORIZATION);
    }

    @Test
    void aMissingTimestampIsMalformed() {
        ServerRequest.Headers headers = MockServerRequest.builder()
                .header("Authorization", authorization(TODAY, MINIMAL)).build().headers();
        assertRefused(authenticator, headers, ErrorCode.AUTH_INVALID_AUTHORIZATION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1759999699", "1760000301", "999999999999999999", "000000000000000000",
            "-1760000000", "-9223372036854775808", "-9223372036854775809", "9223372036854775807", "99999999999999999999",
            "-0"})
    void digitsMoreThanFiveMinutesFromTheClockHaveExpired(String timestamp) {
        assertRefused(authenticator, request(MINIMAL, timestamp), ErrorCode.AUTH_SIGNATURE_EXPIRE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1759999700", "1760000000", "1760000300", "01760000000"})
    void digitsWithinFiveMinutesOfTheClockPassTheTimestampChecks(String timestamp) {
        assertRefused(authenticator, request(MINIMAL, timestamp), ErrorCode.AUTH_SECRET_ID_NOT_FOUND);
    }

    /**
     * abs(now - signedAt) is Long.MIN_VALUE, still negative, for signedAt = Long.MIN_VALUE + now:
     * such a signature passed the skew check, and its date then failed with an InternalError.
     */
    @Test
    void theSkewCheckCannotOverflow() {
        for (long signedAt : new long[] {Long.MIN_VALUE + NOW, Long.MIN_VALUE + NOW - 1, Long.MIN_VALUE + NOW + 1,
                Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - NOW, NOW + Long.MAX_VALUE / 2}) {
            assertThatThrownBy(() -> Authenticator.requireFresh(signedAt, NOW))
                    .as("signed at %d", signedAt)
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_SIGNATURE_EXPIRE));
        }
        assertThatCode(() -> Authenticator.requireFresh(NOW - Authenticator.MAX_CLOCK_SKEW_SECONDS, NOW)).doesNotThrowAnyException();
        assertThatCode(() -> Authenticator.requireFresh(NOW + Authenticator.MAX_CLOCK_SKEW_SECONDS, NOW)).doesNotThrowAnyException();
    }

    @Test
    void everyTimestampHasADateStringAndOnlyRealOnesLookLikeADate() {
        assertThat(Tc3Signature.dateOf(NOW)).isEqualTo(TODAY);
        assertThat(Tc3Signature.dateOf(0)).isEqualTo("1970-01-01");
        assertThat(Tc3Signature.dateOf(253_402_300_799L)).isEqualTo("9999-12-31");
        for (long extreme : new long[] {Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + NOW,
                Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond(), Instant.MIN.getEpochSecond() - 1,
                Instant.MAX.getEpochSecond() + 1, -62_167_219_201L, 253_402_300_800L}) {
            assertThatCode(() -> Tc3Signature.dateOf(extreme)).as("date of %d", extreme).doesNotThrowAnyException();
            assertThat(Tc3Signature.dateOf(extreme)).as("date of %d", extreme).doesNotMatch("\\d{4}-\\d{2}-\\d{2}");
        }
    }

    @Test
    void whenRequiredAnUnsignedActionIsRefused() {
        ProtocolException refusal = assertRefused(requiringSignedAction, request(MINIMAL, Long.toString(NOW)),
                ErrorCode.AUTH_INVALID_AUTHORIZATION);
        assertThat(refusal.getMessage()).contains("x-tc-action");
        assertRefused(requiringSignedAction, request("content-type;host;x-tc-version", Long.toString(NOW)),
                ErrorCode.AUTH_INVALID_AUTHORIZATION);
    }

    @Test
    void whenRequiredASignedActionPassesTheCheck() {
        assertRefused(requiringSignedAction, request(WITH_ACTION, Long.toString(NOW)), ErrorCode.AUTH_SECRET_ID_NOT_FOUND);
    }

    @Test
    void byDefaultAnUnsignedActionIsAcceptedAsTheOfficialSdksSendIt() {
        assertRefused(authenticator, request(MINIMAL, Long.toString(NOW)), ErrorCode.AUTH_SECRET_ID_NOT_FOUND);
    }

    /** The README names the environment variable; Spring's relaxed binding must map it. */
    @Test
    void theRequirementIsSwitchedOnByItsEnvironmentVariableAndOffByDefault() {
        Authenticator fromEnvironment = new Authenticator(mock(Credentials.class), null, CLOCK,
                properties(Map.of("KMS_AUTH_REQUIRE_SIGNED_ACTION", "true")));
        assertRefused(fromEnvironment, request(MINIMAL, Long.toString(NOW)), ErrorCode.AUTH_INVALID_AUTHORIZATION);

        Authenticator byDefault = new Authenticator(mock(Credentials.class), null, CLOCK, properties(Map.of()));
        assertRefused(byDefault, request(MINIMAL, Long.toString(NOW)), ErrorCode.AUTH_SECRET_ID_NOT_FOUND);
    }

    private static KmsProperties properties(Map<String, Object> environmentVariables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        environmentVariables));
        return Binder.get(environment).bindOrCreate("kms", KmsProperties.class);
    }

    private static ProtocolException assertRefused(Authenticator authenticator, ServerRequest.Headers headers, ErrorCode code) {
        try {
            authenticator.authenticate(headers, "/", "{}".getBytes(StandardCharsets.UTF_8));
        } catch (ProtocolException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
            return e;
        }
        throw new AssertionError("expected a refusal with " + code);
    }

    private static ServerRequest.Headers request(String signedHeaders, String timestamp) {
        return MockServerRequest.builder()
                .header("Authorization", authorization(TODAY, signedHeaders))
                .header("Content-Type", "application/json")
                .header("Host", "127.0.0.1:8080")
                .header("X-TC-Action", "ListKeys")
                .header("X-TC-Timestamp", timestamp)
                .build()
                .headers();
    }

    private static String authorization(String date, String signedHeaders) {
        return "TC3-HMAC-SHA256 Credential=AKIDunitTest0000000000000000000000/" + date + "/kms/tc3_request, SignedHeaders="
                + signedHeaders + ", Signature=" + "0".repeat(64);
    }
}
