package org.opencmk.kms.crypto.keystore.pkcs11;

import java.util.Map;

/** The Cryptoki return codes this keystore tells apart, and their names for messages. */
final class ReturnCodes {

    static final long CKR_HOST_MEMORY = 0x02;
    static final long CKR_SLOT_ID_INVALID = 0x03;
    static final long CKR_GENERAL_ERROR = 0x05;
    static final long CKR_ARGUMENTS_BAD = 0x07;
    static final long CKR_DEVICE_ERROR = 0x30;
    static final long CKR_DEVICE_MEMORY = 0x31;
    static final long CKR_DEVICE_REMOVED = 0x32;
    static final long CKR_ENCRYPTED_DATA_INVALID = 0x40;
    static final long CKR_ENCRYPTED_DATA_LEN_RANGE = 0x41;
    static final long CKR_KEY_HANDLE_INVALID = 0x60;
    static final long CKR_MECHANISM_INVALID = 0x70;
    static final long CKR_MECHANISM_PARAM_INVALID = 0x71;
    static final long CKR_OBJECT_HANDLE_INVALID = 0x82;
    static final long CKR_PIN_INCORRECT = 0xA0;
    static final long CKR_PIN_LOCKED = 0xA4;
    static final long CKR_SESSION_CLOSED = 0xB0;
    static final long CKR_SESSION_HANDLE_INVALID = 0xB3;
    static final long CKR_TOKEN_NOT_PRESENT = 0xE0;
    static final long CKR_TOKEN_NOT_RECOGNIZED = 0xE1;
    static final long CKR_USER_ALREADY_LOGGED_IN = 0x100;
    static final long CKR_USER_NOT_LOGGED_IN = 0x101;
    static final long CKR_CRYPTOKI_NOT_INITIALIZED = 0x190;
    static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(CKR_HOST_MEMORY, "CKR_HOST_MEMORY"),
            Map.entry(CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"),
            Map.entry(CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"),
            Map.entry(CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"),
            Map.entry(CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"),
            Map.entry(CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"),
            Map.entry(CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"),
            Map.entry(CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"),
            Map.entry(CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE"),
            Map.entry(CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"),
            Map.entry(CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"),
            Map.entry(CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"),
            Map.entry(CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"),
            Map.entry(CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"),
            Map.entry(CKR_PIN_LOCKED, "CKR_PIN_LOCKED"),
            Map.entry(CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"),
            Map.entry(CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"),
            Map.entry(CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"),
            Map.entry(CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"),
            Map.entry(CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"),
            Map.entry(CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"),
            Map.entry(CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"),
            Map.entry(CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"));

    private ReturnCodes() {
    }

    static String name(long code) {
        return NAMES.getOrDefault(code, "CKR 0x" + Long.toHexString(code));
    }

    /** The token, the session or the login is gone: reopen before the next call. */
    static boolean lostToken(long code) {
        return code == CKR_SLOT_ID_INVALID || code == CKR_GENERAL_ERROR || code == CKR_DEVICE_ERROR
                || code == CKR_DEVICE_REMOVED || code == CKR_SESSION_CLOSED || code == CKR_SESSION_HANDLE_INVALID
                || code == CKR_TOKEN_NOT_PRESENT || code == CKR_TOKEN_NOT_RECOGNIZED
                || code == CKR_USER_NOT_LOGGED_IN || code == CKR_CRYPTOKI_NOT_INITIALIZED
                || code == CKR_PIN_INCORRECT || code == CKR_PIN_LOCKED;
    }

    static boolean full(long code) {
        return code == CKR_DEVICE_MEMORY || code == CKR_HOST_MEMORY;
    }

    static boolean handleInvalid(long code) {
        return code == CKR_OBJECT_HANDLE_INVALID || code == CKR_KEY_HANDLE_INVALID;
    }

    static boolean unsupported(long code) {
        return code == CKR_MECHANISM_INVALID || code == CKR_MECHANISM_PARAM_INVALID;
    }
}
