package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.HttpResponses;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;

/**
 * A client that keeps its connection alive (both SDKs do) is answered on it for as long as it
 * sends. Reactor Netty 1.3.6 stopped reading a connection when a request that arrived while the
 * one before it was being answered was then answered at once (reactor/reactor-netty#4361): every
 * later request on it had no answer. With durable audit every answer waits for its record's
 * commit, so none is answered at once; without it, an answer that needs no worker thread is.
 */
class KeptAliveConnectionIT {

    @Test
    void aConnectionIsStillReadAfterARequestThatWaitedForTheOneBeforeItWasAnsweredAtOnce() throws Exception {
        byte[] answeredAtOnce = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (KmsServer server = KmsServer.start(Map.of("kms.audit.durable", "false"));
                Socket socket = new Socket("127.0.0.1", server.port())) {
            RawClient raw = server.rawAdmin();
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int round = 0; round < 3; round++) {
                // sent together: the GET waits for ListKeys, which is answered from a worker thread
                out.write(raw.requestBytes("ListKeys", "{}"));
                out.write(answeredAtOnce);
                out.flush();
                assertThat(HttpResponses.next(in).body()).as("round " + round + ": ListKeys").contains("\"TotalCount\"");
                assertThat(HttpResponses.next(in).body()).as("round " + round + ": the GET").contains("\"Error\"");
                out.write(raw.requestBytes("ListKeys", "{}"));
                out.flush();
                assertThat(HttpResponses.next(in).body()).as("round " + round + ": the request after them").contains("\"TotalCount\"");
            }
        }
    }
}
