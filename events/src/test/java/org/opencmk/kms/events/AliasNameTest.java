package org.opencmk.kms.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tencent's alias rule: 1 to 60 letters, digits, {@code _} and {@code -}, not starting with a
 * digit, {@code kms-} reserved; and never the shape of a key id, so a KeyId field is unambiguous.
 */
class AliasNameTest {

    private static final String LONGEST = "a".repeat(AliasName.MAX_LENGTH);
    private static final String ONE_TOO_LONG = "a".repeat(AliasName.MAX_LENGTH + 1);

    @ParameterizedTest
    @ValueSource(strings = {"payroll", "a", "Payroll_2024", "hr-archive", "_backup", "-x", "kms", "kms_payroll",
            "key1"})
    void aliasOfLettersDigitsUnderscoresAndHyphensIsValid(String name) {
        assertThat(AliasName.isValid(name)).isTrue();
        assertThat(new AliasName(name).value()).isEqualTo(name);
    }

    @Test
    void aliasOfSixtyCharactersIsValid() {
        assertThat(new AliasName(LONGEST).value()).hasSize(60);
    }

    @Test
    void aliasOfSixtyOneCharactersIsRefused() {
        assertThat(AliasName.isValid(ONE_TOO_LONG)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new AliasName(ONE_TOO_LONG));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1payroll", "0", "9-lives"})
    void aliasStartingWithADigitIsRefused(String name) {
        assertThat(AliasName.isValid(name)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new AliasName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kms-", "kms-payroll", "kms-default"})
    void aliasWithTheReservedPrefixIsRefused(String name) {
        assertThat(AliasName.isValid(name)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new AliasName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abcdef01-2345-4678-9abc-def012345678", "ABCDEF01-2345-4678-9ABC-DEF012345678"})
    void aliasShapedLikeAKeyIdIsRefusedInEitherCase(String name) {
        assertThat(AliasName.isValid(name)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new AliasName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "pay roll", "alias/payroll", "pay.roll", "密钥", "payroll\n", "é"})
    void aliasWithOtherCharactersIsRefused(String name) {
        assertThat(AliasName.isValid(name)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new AliasName(name));
    }

    @Test
    void nullIsRefused() {
        assertThat(AliasName.isValid(null)).isFalse();
        assertThatNullPointerException().isThrownBy(() -> new AliasName(null));
    }
}
