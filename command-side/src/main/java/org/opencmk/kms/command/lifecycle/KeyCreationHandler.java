package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.Origin;
import org.springframework.stereotype.Component;

/**
 * Creates a CMK with its key-encryption key, its first material (unless the origin is
 * {@link Origin#EXTERNAL}; an asymmetric key's is a key pair, counted against the account's
 * {@link AsymmetricVersionQuota}) and its first alias, in one unit of work and one database
 * transaction: a refused alias leaves no key behind, and a failed append leaves no
 * key-encryption key behind.
 */
@Component
public class KeyCreationHandler {

    private final Repository<Cmk> keys;
    private final Repository<AliasRegistry> aliases;
    private final KeyHierarchy keyHierarchy;
    private final AsymmetricVersionQuota quota;

    public KeyCreationHandler(Repository<Cmk> keys, Repository<AliasRegistry> aliases, KeyHierarchy keyHierarchy,
            AsymmetricVersionQuota quota) {
        this.keys = keys;
        this.aliases = aliases;
        this.keyHierarchy = keyHierarchy;
        this.quota = quota;
    }

    @CommandHandler
    public void handle(CreateKey command) throws Exception {
        boolean asymmetric = !command.keyUsage().isSymmetric();
        if (asymmetric && command.keySpec() != command.keyUsage().keyPairSpec()) {
            throw new KmsException(KmsError.INVALID_KEY_SPEC,
                    "KeyUsage " + command.keyUsage() + " takes a key of spec " + command.keyUsage().keyPairSpec());
        }
        if (!asymmetric && !command.keySpec().isSymmetric()) {
            throw new KmsException(KmsError.INVALID_KEY_SPEC, "KeyUsage ENCRYPT_DECRYPT takes AES_256 or SM4");
        }
        if (asymmetric && command.origin() == Origin.EXTERNAL) {
            throw new KmsException(KmsError.UNSUPPORTED_OPERATION,
                    "only symmetric keys take imported material; an asymmetric key's pairs are made by the KMS");
        }
        Aggregate<AliasRegistry> registry = null;
        if (command.alias() != null) {
            registry = AliasRegistry.of(aliases, command.account());
            registry.execute(r -> r.requireFree(command.alias()));
        }
        if (!keyHierarchy.serves(command.protectionLevel())) {
            throw new KmsException(KmsError.HSM_NOT_CONFIGURED,
                    "ProtectionLevel HSM needs an HSM, and this server has none configured");
        }
        if (!keyHierarchy.supports(command.protectionLevel(), command.keySpec())) {
            throw new KmsException(KmsError.NOT_SUPPORTED_BY_HSM,
                    "the HSM's token does not offer keys of spec " + command.keySpec());
        }
        keyHierarchy.createKeyEncryptionKey(command.account(), command.keyId(), command.protectionLevel());
        Cmk.FirstVersion first = null;
        if (asymmetric) {
            KeyVersionId versionId = KeyVersionId.random();
            quota.reserve(command.account(), command.keyId(), versionId);
            KeyHierarchy.NewKeyPair pair = keyHierarchy.generateKeyPair(command.account(), command.keyId(), versionId,
                    command.keySpec());
            first = new Cmk.FirstVersion(versionId, pair.privateKey(), pair.publicKey());
        } else if (command.origin() != Origin.EXTERNAL) {
            KeyVersionId versionId = KeyVersionId.random();
            first = new Cmk.FirstVersion(versionId, keyHierarchy.generateMaterial(command.account(), command.keyId(),
                    versionId, command.keySpec()), null);
        }
        Cmk.FirstVersion firstVersion = first;
        keys.newInstance(() -> new Cmk(command, firstVersion));
        if (registry != null) {
            registry.execute(r -> r.create(command.alias(), command.keyId()));
        }
    }
}
