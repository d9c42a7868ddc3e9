package org.opencmk.kms.events;

/**
 * The kind of key material a CMK holds. Constant names are persisted in events.
 * Asymmetric specs come with their issue; until then the API refuses them.
 */
public enum KeySpec {
    /** 256-bit AES material, used with AES-256-GCM. */
    AES_256(32),
    /** 128-bit SM4 material (GB/T 32907), used with SM4-GCM. */
    SM4(16);

    private final int materialLength;

    KeySpec(int materialLength) {
        this.materialLength = materialLength;
    }

    /** Length in bytes of one version's material (also the length an import must have). */
    public int materialLength() {
        return materialLength;
    }

    public boolean isSymmetric() {
        return true;
    }
}
