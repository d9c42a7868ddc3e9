package org.opencmk.kms.bench;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link CryptoEngineBenchmark} and {@link AsymmetricBenchmark} through the JMH API and
 * flattens the result into figures: {@code crypto_<algorithm>_<size>_engine_ops} and
 * {@code ..._bare_ops} (operations per second), and {@code ..._overhead}, the fraction by which the
 * engine is slower than the bare cipher ({@code bare_ops / engine_ops - 1}; negative when it is
 * faster, i.e. within noise); the same three for each asymmetric operation as
 * {@code asym_<operation>_...} (e.g. {@code asym_sign_sm2_overhead}), after the symmetric ones.
 *
 * <p>The forked benchmark JVM gets this JVM's {@code java.class.path} (JMH's default), so start it
 * as {@code java -cp 'bench/target/bench.jar:bench/target/lib/*' org.opencmk.kms.bench.CryptoEngineBench [--quick]}.
 */
public final class CryptoEngineBench {

    private static final String ASYMMETRIC_PREFIX = "asym_";
    private static final Comparator<String> ASYMMETRIC_LAST =
            Comparator.comparing((String prefix) -> prefix.startsWith(ASYMMETRIC_PREFIX))
                    .thenComparing(Comparator.naturalOrder());

    private CryptoEngineBench() {
    }

    /**
     * Runs the benchmark; {@code quick} shortens it to a smoke test (1 warm-up and 2 measurement
     * iterations of 1 s) whose figures are not to be trusted.
     */
    public static Map<String, Double> run(boolean quick) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("\\b" + CryptoEngineBenchmark.class.getSimpleName() + "\\.")
                .include("\\b" + AsymmetricBenchmark.class.getSimpleName() + "\\.")
                .shouldFailOnError(true);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        // JMH's progress goes to stderr: stdout is the runner's table and JSON line only
        Collection<RunResult> results = new Runner(options.build(),
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL)).run();

        // Symmetric figures first, as before the asymmetric ones existed; each family sorted.
        Map<String, Double> engineOps = new TreeMap<>(ASYMMETRIC_LAST);
        Map<String, Double> bareOps = new TreeMap<>();
        for (RunResult result : results) {
            String label = result.getParams().getBenchmark();
            String method = result.getParams().getParam("variant");
            String prefix = label.endsWith("." + AsymmetricBenchmark.class.getSimpleName() + ".call")
                    ? ASYMMETRIC_PREFIX + result.getParams().getParam("operation")
                    : "crypto_" + result.getParams().getParam("algorithm").toLowerCase(Locale.ROOT) + "_"
                            + result.getParams().getParam("size");
            double score = result.getPrimaryResult().getScore();
            switch (method) {
                case "engine" -> engineOps.put(prefix, score);
                case "bare" -> bareOps.put(prefix, score);
                default -> throw new IllegalStateException("unexpected benchmark " + label);
            }
        }

        Map<String, Double> figures = new LinkedHashMap<>();
        for (Map.Entry<String, Double> engine : engineOps.entrySet()) {
            String prefix = engine.getKey();
            Double bare = bareOps.get(prefix);
            figures.put(prefix + "_engine_ops", engine.getValue());
            if (bare != null) {
                figures.put(prefix + "_bare_ops", bare);
                figures.put(prefix + "_overhead", bare / engine.getValue() - 1);
            }
        }
        return figures;
    }

    public static void main(String[] args) throws RunnerException {
        boolean quick = false;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else {
                System.err.println("usage: CryptoEngineBench [--quick]");
                System.exit(2);
            }
        }
        Map<String, Double> figures = run(quick);
        for (Map.Entry<String, Double> figure : figures.entrySet()) {
            double value = figure.getValue();
            String text = figure.getKey().endsWith("_overhead")
                    ? String.format(Locale.ROOT, "%.4f", value)
                    : String.format(Locale.ROOT, "%.1f", value);
            System.out.println(figure.getKey() + "=" + text);
        }
    }
}
