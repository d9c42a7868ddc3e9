package org.opencmk.kms.crypto.asymmetric;

import org.bouncycastle.asn1.gm.GMObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.opencmk.kms.events.KeySpec;

/** The named curves of the elliptic-curve {@link KeySpec}s. */
final class EllipticCurves {

    static final ECNamedDomainParameters SM2 = ECNamedDomainParameters.lookup(GMObjectIdentifiers.sm2p256v1);
    static final ECNamedDomainParameters P256 = ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1);

    private EllipticCurves() {
    }

    /** The curve of {@code spec}, or null for a spec that is no elliptic curve. */
    static ECNamedDomainParameters of(KeySpec spec) {
        return switch (spec) {
            case SM2 -> SM2;
            case ECC_P256 -> P256;
            default -> null;
        };
    }
}
