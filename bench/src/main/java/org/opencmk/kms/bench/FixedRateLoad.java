package org.opencmk.kms.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A side load at a fixed rate, as wrk2 drives one (wrk2 is not in Debian): call n is due at
 * start + n / rate whatever the answers do, a few keep-alive connections take the calls in turn, and
 * a call's latency counts from when it was due, so a server that stalls is charged for the calls
 * that queued behind it. Plain blocking sockets: on this small machine the load must cost far less
 * than the server it measures. Each call is built, and so signed, as it leaves. Only calls sent
 * inside the measured window count; their answers are counted by {@code Error.Code} ({@link #OK}
 * when there is none) and awaited when the load stops.
 */
final class FixedRateLoad implements AutoCloseable {

    /**
     * What the side load did in its window: the rate asked for, sent and answered, the p99 of its
     * calls (from when each was due), and its answers by code, a call that got none as its
     * exception's name in parentheses.
     */
    record Result(double targetPerSecond, double sentPerSecond, double answeredPerSecond, double p99Millis,
                  Map<String, Long> answers) {

        /** Within 10 % of the rate asked for, sent and answered. */
        boolean rateReached() {
            return sentPerSecond >= 0.9 * targetPerSecond && answeredPerSecond >= 0.9 * targetPerSecond;
        }
    }

    static final String OK = "OK";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InetSocketAddress server;
    private final long periodNanos;
    private final double perSecond;
    private final Supplier<byte[]> requests;
    private final List<Thread> connections = new ArrayList<>();
    private final AtomicLong nextCall = new AtomicLong();
    private final long start = System.nanoTime();
    private final LongAdder sent = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final Map<String, LongAdder> answers = new ConcurrentSkipListMap<>();
    private final List<Long> latencyNanos = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;
    private volatile boolean measuring;
    private long windowStart;
    private long windowEnd;

    private FixedRateLoad(String host, double perSecond, int connections, Supplier<byte[]> requests) {
        int colon = host.lastIndexOf(':');
        this.server = new InetSocketAddress(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1)));
        this.perSecond = perSecond;
        this.periodNanos = Math.round(1e9 / perSecond);
        this.requests = requests;
        for (int i = 0; i < connections; i++) {
            Thread connection = new Thread(this::callInTurn, "side-load-" + i);
            connection.setDaemon(true);
            this.connections.add(connection);
        }
    }

    /**
     * Starts calling {@code host} ({@code address:port}) {@code perSecond} times a second over at
     * most {@code connections} connections; nothing counts until {@link #measureFrom()}.
     */
    static FixedRateLoad start(String host, double perSecond, int connections, Supplier<byte[]> requests) {
        FixedRateLoad load = new FixedRateLoad(host, perSecond, connections, requests);
        load.connections.forEach(Thread::start);
        return load;
    }

    /** POST / requests to {@code host} with this body and, for each, the headers {@code signer} gives. */
    static Supplier<byte[]> requests(String host, String body, Supplier<Map<String, String>> signer) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        return () -> {
            StringBuilder head = new StringBuilder("POST / HTTP/1.1\r\nHost: ").append(host).append("\r\n");
            signer.get().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
            byte[] request = new byte[headBytes.length + content.length];
            System.arraycopy(headBytes, 0, request, 0, headBytes.length);
            System.arraycopy(content, 0, request, headBytes.length, content.length);
            return request;
        };
    }

    void measureFrom() {
        windowStart = System.nanoTime();
        measuring = true;
    }

    /** Ends the window, waits for the calls under way and returns the window's figures. */
    Result stop() throws InterruptedException {
        measuring = false;
        windowEnd = System.nanoTime();
        running = false;
        for (Thread connection : connections) {
            connection.join();
        }
        double seconds = Math.max(windowEnd - windowStart, 1) / 1e9;
        Map<String, Long> byCode = new TreeMap<>();
        answers.forEach((code, count) -> byCode.put(code, count.sum()));
        List<Long> latencies;
        synchronized (latencyNanos) {
            latencies = new ArrayList<>(latencyNanos);
        }
        Collections.sort(latencies);
        double p99 = latencies.isEmpty() ? Double.NaN
                : latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1) / 1e6;
        return new Result(perSecond, sent.sum() / seconds, answered.sum() / seconds, p99, byCode);
    }

    /** A keep-alive connection and its streams. */
    private record Connection(Socket socket, InputStream in, OutputStream out) {
    }

    /** One connection: takes the next call due, waits for its time (if it is not late), sends it. */
    private void callInTurn() {
        Connection connection = null;
        while (running) {
            long due = start + nextCall.getAndIncrement() * periodNanos;
            for (long wait = due - System.nanoTime(); wait > 0 && running; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (!running) {
                break;
            }
            boolean counted = measuring;
            if (counted) {
                sent.increment();
            }
            try {
                if (connection == null || connection.socket().isClosed()) {
                    connection = connect();
                }
                String code = call(connection, requests.get());
                if (counted) {
                    answered.increment();
                    latencyNanos.add(System.nanoTime() - due);
                    answers.computeIfAbsent(code, c -> new LongAdder()).increment();
                }
            } catch (IOException | RuntimeException failed) {
                if (counted) {
                    answers.computeIfAbsent("(" + failed.getClass().getSimpleName() + ")", c -> new LongAdder()).increment();
                }
                close(connection);
                connection = null;
            }
        }
        close(connection);
    }

    private Connection connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket.connect(server, (int) CONNECT_TIMEOUT.toMillis());
            return new Connection(socket, new BufferedInputStream(socket.getInputStream()), socket.getOutputStream());
        } catch (IOException failed) {
            socket.close();
            throw failed;
        }
    }

    /**
     * Sends one request and reads its answer (Content-Length or chunked); returns its code, and
     * closes the connection if the server said it would.
     */
    private static String call(Connection connection, byte[] request) throws IOException {
        connection.out().write(request);
        connection.out().flush();
        InputStream in = connection.in();
        String status = line(in);
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
                    size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes((int) size));
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            throw new IOException("an answer without a length");
        }
        if (close) {
            connection.socket().close();
        }
        return codeOf(status, body.toByteArray());
    }

    private static String codeOf(String status, byte[] body) {
        String code = "";
        try {
            code = JSON.readTree(body).path("Response").path("Error").path("Code").asText("");
        } catch (IOException notJson) {
            // the status line says what happened
        }
        if (!code.isEmpty()) {
            return code;
        }
        return status.startsWith("HTTP/1.1 200") ? OK : status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed mid-answer");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.socket().close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
    }
}
