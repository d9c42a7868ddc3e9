package org.opencmk.kms.command.alias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.command.Refusals.refusedWith;

import java.time.Instant;
import org.axonframework.commandhandling.AnnotationCommandHandlerAdapter;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.opencmk.kms.command.lifecycle.KeyNotFoundTranslation;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.SecondAggregateStore;
import org.opencmk.kms.command.lifecycle.Cmk;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.AliasUpdated;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * Aliases (CTyun guide 3.2.4): unique within an account, each naming one CMK of that account.
 * The fixture holds the owner's registry; the CMKs live in a {@link SecondAggregateStore}.
 */
class AliasRegistryTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId SECOND_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyId KEY_OF_ANOTHER_ACCOUNT = new KeyId("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
    private static final KeyId DELETED_KEY_ID = new KeyId("d4e5f6a7-b8c9-4dae-bf01-234567890abc");
    private static final KeyId NEVER_CREATED_KEY_ID = new KeyId("77777777-7777-4777-8777-777777777777");

    private static final AliasName PAYROLL = new AliasName("payroll");
    private static final AliasName HR = new AliasName("hr");
    private static final AliasName ARCHIVE = new AliasName("archive");

    private static final Instant CREATED_AT = Instant.parse("2025-03-01T08:00:00Z");

    private AggregateTestFixture<AliasRegistry> fixture;
    private SecondAggregateStore<Cmk> keys;

    @BeforeEach
    void setUp() {
        keys = new SecondAggregateStore<>(Cmk.class);
        keys.given(KEY_ID.value(), keyCreated(KEY_ID, OWNER));
        keys.given(SECOND_KEY_ID.value(), keyCreated(SECOND_KEY_ID, OWNER));
        keys.given(KEY_OF_ANOTHER_ACCOUNT.value(), keyCreated(KEY_OF_ANOTHER_ACCOUNT, ANOTHER_ACCOUNT));
        keys.given(DELETED_KEY_ID.value(), keyCreated(DELETED_KEY_ID, OWNER),
                new KeyDeletionScheduled(DELETED_KEY_ID, 7, CREATED_AT.plusSeconds(7 * 86_400)),
                new KeyDeleted(DELETED_KEY_ID, CREATED_AT.plusSeconds(7 * 86_400)));

        fixture = new AggregateTestFixture<>(AliasRegistry.class);
        fixture.registerAnnotatedCommandHandler(new AliasCommandHandler(keys.repository(), fixture.getRepository()));
        fixture.registerCommandHandlerInterceptor(new KeyNotFoundTranslation());
    }

    @AfterEach
    void tearDown() {
        keys.close();
    }

    @Test
    void aliasOfTheCallersKeyIsCreated() {
        fixture.givenNoPriorActivity()
                .when(new CreateAlias(OWNER, PAYROLL, KEY_ID))
                .expectEvents(new AliasCreated(OWNER, PAYROLL, KEY_ID));
    }

    @Test
    void aKeyMayHaveManyAliases() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID))
                .when(new CreateAlias(OWNER, HR, KEY_ID))
                .expectEvents(new AliasCreated(OWNER, HR, KEY_ID));
    }

    @Test
    void aliasThatExistsInTheAccountIsRefused() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID))
                .when(new CreateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectException(refusedWith(KmsError.ALIAS_ALREADY_EXISTS))
                .expectNoEvents();
    }

    @Test
    void deletedAliasNameCanBeUsedAgain() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID), new AliasDeleted(OWNER, PAYROLL, KEY_ID, false))
                .when(new CreateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectEvents(new AliasCreated(OWNER, PAYROLL, SECOND_KEY_ID));
    }

    @Test
    void aliasOfAnotherAccountsKeyIsRefusedAsIfTheKeyDidNotExist() {
        fixture.givenNoPriorActivity()
                .when(new CreateAlias(OWNER, PAYROLL, KEY_OF_ANOTHER_ACCOUNT))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void aliasOfADeletedKeyIsRefusedAsIfTheKeyDidNotExist() {
        fixture.givenNoPriorActivity()
                .when(new CreateAlias(OWNER, PAYROLL, DELETED_KEY_ID))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void aliasOfAKeyThatNeverExistedIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new CreateAlias(OWNER, PAYROLL, NEVER_CREATED_KEY_ID))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void repointingAnAliasRecordsTheKeyItNamedBefore() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectEvents(new AliasUpdated(OWNER, PAYROLL, KEY_ID, SECOND_KEY_ID));
    }

    @Test
    void repointingAnAliasToTheKeyItAlreadyNamesChangesNothing() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_ID))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void repointedAliasCanBeRepointedBack() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID), new AliasUpdated(OWNER, PAYROLL, KEY_ID, SECOND_KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_ID))
                .expectEvents(new AliasUpdated(OWNER, PAYROLL, SECOND_KEY_ID, KEY_ID));
    }

    // UpdateAlias with a name that does not exist: Tencent's rename of the key's only alias

    @Test
    void aNewNameForAKeyWithExactlyOneAliasRenamesThatAlias() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasCreated(OWNER, ARCHIVE, SECOND_KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_ID))
                .expectEvents(new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID));
    }

    @Test
    void aNewNameForAKeyWithoutAnAliasIsRefusedAsAnUnknownAlias() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void aNewNameForAKeyWithSeveralAliasesIsRefusedAsAnUnknownAlias() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasCreated(OWNER, ARCHIVE, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_ID))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void aNewNameInAnAccountThatNeverHadAnAliasIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_ID))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void aNewNameForAnotherAccountsKeyIsRefusedAsIfTheKeyDidNotExist() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_OF_ANOTHER_ACCOUNT))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void theRenamedAliasNoLongerHasItsOldName() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID))
                .when(new DeleteAlias(OWNER, HR))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void theOldNameOfARenamedAliasIsFreeForAnotherKey() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID))
                .when(new CreateAlias(OWNER, HR, SECOND_KEY_ID))
                .expectEvents(new AliasCreated(OWNER, HR, SECOND_KEY_ID));
    }

    @Test
    void theNewNameOfARenamedAliasIsTaken() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID))
                .when(new CreateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectException(refusedWith(KmsError.ALIAS_ALREADY_EXISTS))
                .expectNoEvents();
    }

    @Test
    void aRenamedAliasIsRepointedByItsNewName() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, SECOND_KEY_ID))
                .expectEvents(new AliasUpdated(OWNER, PAYROLL, KEY_ID, SECOND_KEY_ID));
    }

    @Test
    void aRenamedAliasCanBeRenamedAgain() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID), new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID))
                .when(new UpdateAlias(OWNER, HR, KEY_ID))
                .expectEvents(new AliasRenamed(OWNER, PAYROLL, HR, KEY_ID));
    }

    @Test
    void repointingAnAliasToAnotherAccountsKeyIsRefusedAsIfTheKeyDidNotExist() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID))
                .when(new UpdateAlias(OWNER, PAYROLL, KEY_OF_ANOTHER_ACCOUNT))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void deletingAnAliasLeavesItsKey() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID), new AliasCreated(OWNER, HR, KEY_ID))
                .when(new DeleteAlias(OWNER, PAYROLL))
                .expectEvents(new AliasDeleted(OWNER, PAYROLL, KEY_ID, false));
    }

    @Test
    void deletingAnAliasThatDoesNotExistIsRefused() {
        fixture.given(new AliasCreated(OWNER, HR, KEY_ID))
                .when(new DeleteAlias(OWNER, PAYROLL))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void deletingAnAliasInAnAccountThatNeverHadOneIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new DeleteAlias(OWNER, PAYROLL))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void deletedAliasCannotBeDeletedAgain() {
        fixture.given(new AliasCreated(OWNER, PAYROLL, KEY_ID), new AliasDeleted(OWNER, PAYROLL, KEY_ID, false))
                .when(new DeleteAlias(OWNER, PAYROLL))
                .expectException(refusedWith(KmsError.ALIAS_NOT_FOUND))
                .expectNoEvents();
    }

    /**
     * Two accounts' registries are two aggregates, and one AggregateTestFixture holds a single
     * aggregate instance, so both registries live in a second store here and the command goes
     * through a plain command bus.
     */
    @Test
    void sameAliasNameInTwoAccountsIsAllowed() {
        try (SecondAggregateStore<AliasRegistry> registries = new SecondAggregateStore<>(AliasRegistry.class)) {
            SimpleCommandBus commandBus = SimpleCommandBus.builder().build();
            commandBus.registerHandlerInterceptor(new KeyNotFoundTranslation());
            new AnnotationCommandHandlerAdapter<>(new AliasCommandHandler(keys.repository(), registries.repository()))
                    .subscribe(commandBus);
            CommandGateway commands = DefaultCommandGateway.builder().commandBus(commandBus).build();
            registries.given(registryOf(OWNER), new AliasCreated(OWNER, PAYROLL, KEY_ID));

            commands.sendAndWait(new CreateAlias(ANOTHER_ACCOUNT, PAYROLL, KEY_OF_ANOTHER_ACCOUNT));

            assertThat(registries.events(registryOf(ANOTHER_ACCOUNT)))
                    .containsExactly(new AliasCreated(ANOTHER_ACCOUNT, PAYROLL, KEY_OF_ANOTHER_ACCOUNT));
            assertThat(registries.events(registryOf(OWNER)))
                    .containsExactly(new AliasCreated(OWNER, PAYROLL, KEY_ID));
        }
    }

    private static String registryOf(AccountId account) {
        return account.toString();
    }

    private static KeyCreated keyCreated(KeyId keyId, AccountId account) {
        return new KeyCreated(keyId, account, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "", KeyState.Enabled, CREATED_AT);
    }
}
