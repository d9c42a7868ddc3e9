package org.opencmk.kms.audit.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * BlockHound for the integration tests: a blocking call (socket or file I/O, sleeping, parking,
 * waiting) on a thread that must not block, a Netty event loop or a Reactor non-blocking
 * scheduler, fails that call with {@link BlockingOperationError} and is remembered, so that a
 * test server refuses to stop quietly after one ({@link #requireNone}), even where the failed
 * call was swallowed.
 */
public final class BlockingCalls {

    private static final List<String> FOUND = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private BlockingCalls() {
    }

    /** Installs BlockHound in this JVM, once. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        // install(…), not builder().install(): only install loads the integrations (Reactor's,
        // Netty's) that say which threads must not block.
        BlockHound.install(builder -> builder
                // The kernel's CSPRNG (/dev/urandom) answers at once, but through a FileInputStream:
                // every nonce, random request id and data key is drawn from it.
                .allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
                .blockingMethodCallback(method -> {
            String where = method + " on " + Thread.currentThread().getName();
            FOUND.add(where + "\n" + stackOf(new Throwable()));
            throw new BlockingOperationError(method);
        }));
        installed = true;
    }

    /** Every blocking call found since the last {@link #requireNone}; then forgets them. */
    public static List<String> drain() {
        List<String> found = List.copyOf(FOUND);
        FOUND.clear();
        return found;
    }

    /** @throws AssertionError naming each blocking call on a non-blocking thread found so far */
    public static void requireNone() {
        List<String> found = drain();
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " blocking call(s) on a non-blocking thread:\n"
                    + String.join("\n", found));
        }
    }

    private static String stackOf(Throwable trace) {
        StringBuilder text = new StringBuilder();
        StackTraceElement[] frames = trace.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 40); i++) {
            text.append("    at ").append(frames[i]).append('\n');
        }
        return text.toString();
    }
}
