package org.opencmk.kms.server.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 responses read one at a time from a connection a test writes its requests on itself
 * (pipelined, say): each with a {@code Content-Length}, as both servers answer. Used by the
 * audit consumer's tests too (kms-server's test-jar).
 */
public final class HttpResponses {

    private HttpResponses() {
    }

    /** One response: its status and its body. */
    public record Response(int status, String body) {
    }

    /** Reads the next response whole. */
    public static Response next(InputStream in) throws IOException {
        String status = line(in);
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        return new Response(Integer.parseInt(status.split(" ")[1]),
                new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new IOException("the connection closed");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
