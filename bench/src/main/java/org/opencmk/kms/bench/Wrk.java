package org.opencmk.kms.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives wrk (a C load generator: it leaves the server nearly all of this small machine) with one
 * pre-signed request, replayed for a bounded duration on loopback. A Lua hook counts answers that
 * carry an {@code Error}, so a run that was throttled or refused is never taken for a fast one.
 */
final class Wrk {

    /** One measured run. */
    record Result(double opsPerSecond, double p50Millis, double p99Millis, long requests, long errors) {
    }

    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("KMS_ERRORS (\\d+)");

    private final Path workDir;

    Wrk(Path workDir) {
        this.workDir = workDir;
    }

    Result run(Tc3Client client, String action, String body, int connections, Duration duration)
            throws IOException, InterruptedException {
        Path script = workDir.resolve("request-" + action + ".lua");
        Files.writeString(script, script(client.headers(action, body), body), StandardCharsets.UTF_8);
        int threads = Math.min(connections, 2);
        Process wrk = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + duration.toSeconds() + "s",
                "--latency", "--timeout", "10s", "-s", script.toString(), "http://" + client.host() + "/")
                .redirectErrorStream(true)
                .start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IOException("wrk failed:\n" + output);
        }
        return parse(output);
    }

    static Result parse(String output) throws IOException {
        Matcher rate = RATE.matcher(output);
        Matcher total = TOTAL.matcher(output);
        Matcher errors = ERRORS.matcher(output);
        if (!rate.find() || !total.find() || !errors.find()) {
            throw new IOException("cannot read wrk's output:\n" + output);
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            double millis = Double.parseDouble(percentile.group(2)) * switch (percentile.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000.0;
                default -> 1.0;
            };
            if (percentile.group(1).equals("50")) {
                p50 = millis;
            } else {
                p99 = millis;
            }
        }
        long requests = Long.parseLong(total.group(1));
        if (requests == 0) {
            // wrk prints a latency of 0 when nothing was answered: that is no latency at all
            p50 = Double.NaN;
            p99 = Double.NaN;
        }
        return new Result(Double.parseDouble(rate.group(1)), p50, p99, requests, Long.parseLong(errors.group(1)));
    }

    private static String script(Map<String, String> headers, String body) {
        StringBuilder lua = new StringBuilder();
        lua.append("wrk.method = \"POST\"\n");
        lua.append("wrk.body = [==[").append(body).append("]==]\n");
        headers.forEach((name, value) -> lua.append("wrk.headers[\"").append(name).append("\"] = [==[")
                .append(value).append("]==]\n"));
        for (String line : List.of(
                "local threads = {}",
                "function setup(thread) table.insert(threads, thread) end",
                "function init(args) errors = 0 end",
                "function response(status, headers, body)",
                "  if status ~= 200 or string.find(body, '\"Error\"', 1, true) then errors = errors + 1 end",
                "end",
                "function done(summary, latency, requests)",
                "  local total = 0",
                "  for _, thread in ipairs(threads) do total = total + thread:get(\"errors\") end",
                "  io.write(\"KMS_ERRORS \" .. total .. \"\\n\")",
                "end")) {
            lua.append(line).append('\n');
        }
        return lua.toString();
    }
}
