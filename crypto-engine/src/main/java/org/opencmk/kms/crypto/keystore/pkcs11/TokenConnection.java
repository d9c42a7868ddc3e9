package org.opencmk.kms.crypto.keystore.pkcs11;

import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKF_OS_LOCKING_OK;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKF_RW_SESSION;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKF_SERIAL_SESSION;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKU_USER;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.NativeLongByReference;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import ru.rutoken.pkcs11jna.CK_C_INITIALIZE_ARGS;
import ru.rutoken.pkcs11jna.CK_TOKEN_INFO;
import ru.rutoken.pkcs11jna.Pkcs11;

/**
 * The keystore's link to one token: the library, the slot (found by token label, or by index
 * among the slots with a token), a small pool of sessions and the login. PKCS#11 sessions are
 * single-threaded, so each call borrows one; login is per application, so it happens once, on
 * the first session, and covers them all.
 *
 * <p>Recovery: when a call finds the token, the session or the login gone ({@link
 * ReturnCodes#lostToken}), the connection is dropped; the next call re-opens it from scratch
 * (C_Finalize, C_Initialize, find the slot again, new sessions, login), at most once per {@code
 * retryInterval}, and in between fails fast with {@link KeystoreUnavailableException}. Object
 * handles do not survive that, which is why {@link #generation()} changes.
 *
 * <p>The library is loaded once per process and path; Cryptoki's state (initialisation, login) is
 * per process too, so keystores on one library share it: the last one closed finalizes it, and a
 * re-open by one (C_Finalize) drops the others' sessions too, which then re-open in turn.
 */
final class TokenConnection implements AutoCloseable {

    /** How to find the token: by label, or by index among the slots that hold a token. */
    record TokenSelector(String label, int slotIndex) {
        @Override
        public String toString() {
            return label != null ? "token '" + label + "'" : "token in slot #" + slotIndex;
        }
    }

    private static final Map<String, Integer> USERS = new HashMap<>();

    private final String libraryPath;
    private final TokenSelector selector;
    private final char[] pin;
    private final int poolSize;
    private final Duration retryInterval;
    private final Clock clock;

    private volatile Open open;
    private Instant lastAttempt = Instant.MIN;
    private String lastFailure = "not opened yet";
    private long generations;
    private boolean closed;
    private boolean counted;

    private record Open(Cryptoki cryptoki, long slot, BlockingQueue<Long> sessions, long generation) {
    }

    /** A unit of work on one borrowed session. */
    interface SessionWork<T> {
        T run(Cryptoki cryptoki, long session);
    }

    /**
     * Opens the connection now.
     *
     * @throws KeystoreUnavailableException if the library, the token or the login fails
     */
    TokenConnection(String libraryPath, TokenSelector selector, char[] pin, int poolSize, Duration retryInterval,
            Clock clock) {
        this.libraryPath = libraryPath;
        this.selector = selector;
        this.pin = pin.clone();
        this.poolSize = poolSize;
        this.retryInterval = retryInterval;
        this.clock = clock;
        synchronized (this) {
            lastAttempt = clock.instant();
            try {
                open = openNow();
            } catch (RuntimeException e) {
                close(); // releases this connection's share of the library
                throw e;
            }
        }
    }

    /** Changes every time the connection is re-opened: handles of an older generation are void. */
    long generation() {
        Open current = open;
        return current == null ? -1 : current.generation();
    }

    /** True if the token answers now; tries a re-open if one is due. Never throws. */
    boolean available() {
        try {
            Open current = ensureOpen();
            CK_TOKEN_INFO info = new CK_TOKEN_INFO();
            long rv = current.cryptoki().library().C_GetTokenInfo(new NativeLong(current.slot()), info).longValue();
            if (rv != 0) {
                drop(current, "C_GetTokenInfo returned " + ReturnCodes.name(rv));
                return false;
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Confirms the token still answers ({@code C_GetTokenInfo}); otherwise drops the connection, to
     * be re-opened, and throws.
     *
     * @throws KeystoreUnavailableException if the token does not answer
     */
    void requirePresent() {
        if (!available()) {
            throw new KeystoreUnavailableException("the PKCS#11 " + selector + " is unavailable (" + lastFailure
                    + "); reconnecting");
        }
    }

    /**
     * Runs {@code work} on a borrowed session.
     *
     * @throws KeystoreUnavailableException if the token cannot be reached or is full
     * @throws Pkcs11Error for every other Cryptoki failure, for the caller to map
     */
    <T> T withSession(SessionWork<T> work) {
        Open current = ensureOpen();
        Long session;
        try {
            session = current.sessions().take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeystoreUnavailableException("interrupted while waiting for a PKCS#11 session");
        }
        try {
            return work.run(current.cryptoki(), session);
        } catch (Pkcs11Error e) {
            if (ReturnCodes.lostToken(e.code())) {
                drop(current, e.getMessage());
                throw new KeystoreUnavailableException(
                        "the PKCS#11 " + selector + " is unavailable (" + e.getMessage() + "); reconnecting", e);
            }
            if (ReturnCodes.full(e.code())) {
                throw new KeystoreUnavailableException(
                        "the PKCS#11 " + selector + " is full (" + e.getMessage() + "): no room for another object", e);
            }
            throw e;
        } finally {
            current.sessions().offer(session);
        }
    }

    private synchronized Open ensureOpen() {
        if (closed) {
            throw new KeystoreUnavailableException("the PKCS#11 keystore is closed");
        }
        Open current = open;
        if (current != null) {
            return current;
        }
        Instant now = clock.instant();
        if (now.isBefore(lastAttempt.plus(retryInterval))) {
            throw new KeystoreUnavailableException("the PKCS#11 " + selector + " is unavailable (" + lastFailure
                    + "); the next reconnection is due within " + retryInterval.toMillis() + " ms");
        }
        lastAttempt = now;
        finalizeLibrary();
        open = openNow();
        return open;
    }

    private synchronized void drop(Open broken, String reason) {
        if (open == broken) {
            open = null;
            lastFailure = reason;
        }
    }

    private Open openNow() {
        Pkcs11 library;
        try {
            library = Native.load(libraryPath, Pkcs11.class);
        } catch (UnsatisfiedLinkError e) {
            lastFailure = "cannot load the PKCS#11 library " + libraryPath;
            throw new KeystoreUnavailableException(lastFailure + ": " + e.getMessage());
        }
        try {
            Cryptoki cryptoki = new Cryptoki(library);
            initialize(library);
            long slot = findSlot(library);
            BlockingQueue<Long> sessions = new ArrayBlockingQueue<>(poolSize);
            for (int i = 0; i < poolSize; i++) {
                NativeLongByReference session = new NativeLongByReference();
                Cryptoki.check("C_OpenSession", library.C_OpenSession(new NativeLong(slot),
                        new NativeLong(CKF_SERIAL_SESSION | CKF_RW_SESSION), null, null, session));
                sessions.add(session.getValue().longValue());
            }
            login(library, sessions.peek());
            return new Open(cryptoki, slot, sessions, ++generations);
        } catch (Pkcs11Error e) {
            lastFailure = e.getMessage();
            String what = e.code() == ReturnCodes.CKR_PIN_INCORRECT || e.code() == ReturnCodes.CKR_PIN_LOCKED
                    ? "the PKCS#11 " + selector + " refused the PIN (" + e.getMessage() + ")"
                    : "cannot open the PKCS#11 " + selector + " (" + e.getMessage() + ")";
            throw new KeystoreUnavailableException(what, e);
        }
    }

    private void initialize(Pkcs11 library) {
        synchronized (USERS) {
            CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS(null, null, null, null,
                    new NativeLong(CKF_OS_LOCKING_OK), null);
            long rv = library.C_Initialize(args).longValue();
            if (rv != 0 && rv != ReturnCodes.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new Pkcs11Error("C_Initialize", rv);
            }
            if (!counted) {
                USERS.merge(libraryPath, 1, Integer::sum);
                counted = true;
            }
        }
    }

    private long findSlot(Pkcs11 library) {
        NativeLongByReference count = new NativeLongByReference();
        Cryptoki.check("C_GetSlotList", library.C_GetSlotList((byte) 1, null, count));
        NativeLong[] slots = new NativeLong[Math.max(1, count.getValue().intValue())];
        Cryptoki.check("C_GetSlotList", library.C_GetSlotList((byte) 1, slots, count));
        int found = count.getValue().intValue();
        if (selector.label() == null) {
            if (selector.slotIndex() < 0 || selector.slotIndex() >= found) {
                throw new Pkcs11Error("C_GetSlotList (" + found + " slots with a token)",
                        ReturnCodes.CKR_TOKEN_NOT_PRESENT);
            }
            return slots[selector.slotIndex()].longValue();
        }
        for (int i = 0; i < found; i++) {
            CK_TOKEN_INFO info = new CK_TOKEN_INFO();
            Cryptoki.check("C_GetTokenInfo", library.C_GetTokenInfo(slots[i], info));
            String label = new String(info.label, StandardCharsets.UTF_8).stripTrailing();
            if (label.equals(selector.label())) {
                return slots[i].longValue();
            }
        }
        throw new Pkcs11Error("no slot holds a token with that label; C_GetSlotList", ReturnCodes.CKR_TOKEN_NOT_PRESENT);
    }

    private void login(Pkcs11 library, long session) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pin));
        byte[] pinBytes = new byte[encoded.remaining()];
        encoded.get(pinBytes);
        Arrays.fill(encoded.array(), (byte) 0);
        try {
            long rv = library.C_Login(new NativeLong(session), new NativeLong(CKU_USER), pinBytes,
                    new NativeLong(pinBytes.length)).longValue();
            // Login is per application: another keystore of this process may have logged in already
            // (and then a wrong PIN goes unnoticed here; the process holds the right one anyway).
            if (rv != 0 && rv != ReturnCodes.CKR_USER_ALREADY_LOGGED_IN) {
                throw new Pkcs11Error("C_Login", rv);
            }
        } finally {
            Arrays.fill(pinBytes, (byte) 0);
        }
    }

    /** Before a re-open: drop every session and the login, which a broken token may have left half-alive. */
    private void finalizeLibrary() {
        try {
            Pkcs11 library = Native.load(libraryPath, Pkcs11.class);
            library.C_Finalize(null);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // nothing to finalize
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Open current = open;
        open = null;
        Arrays.fill(pin, '\0');
        if (current != null) {
            for (Long session : current.sessions()) {
                current.cryptoki().library().C_CloseSession(new NativeLong(session));
            }
        }
        synchronized (USERS) {
            if (counted && USERS.merge(libraryPath, -1, Integer::sum) == 0) {
                USERS.remove(libraryPath);
                finalizeLibrary();
            }
        }
    }

    @Override
    public String toString() {
        return "TokenConnection[" + libraryPath + ", " + selector + ", PIN redacted]";
    }
}
