package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.protocol.ErrorCode;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The root {@code docker-compose.yml}, {@code .env.example} and the two Dockerfiles, checked
 * without Docker: the stack's services and how they wait for each other, that the KMS is given
 * only settings it reads, that no secret is committed, and that the images take the jars the
 * builds make. Only {@link #dockerComposeAcceptsTheFileWhereItIsInstalled} runs Docker, and only
 * where {@code docker compose} is installed.
 */
class DockerComposeTest {

    private static final Path ROOT = repositoryRoot();
    private static final Set<String> SERVICES = Set.of("postgres", "kafka", "kms", "audit-consumer");
    private static final Set<String> APPLICATIONS = Set.of("kms", "audit-consumer");
    /** Where each application's image is built from, and the jar its module's build makes. */
    private static final Map<String, String> MODULE_OF = Map.of("kms", "kms-server", "audit-consumer", "audit-consumer");
    /** Names under which a value is a secret: such a value comes from .env, never from the file. */
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|ROOT_KEY|TOKEN|PRIVATE).*");
    /** A reference to a variable of .env: ${NAME}, or required, ${NAME:?message}; never a default. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:?\\?[^}]*)?}");
    /** Any ${NAME…}: its name, and what follows the name (a default, ":-value", or a requirement, ":?message"). */
    private static final Pattern ANY_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)}");

    private final Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml"));

    @Test
    void theStackIsPostgresKafkaTheKmsAndTheAuditConsumerWithoutTheObsoleteVersionKey() {
        assertThat(compose).doesNotContainKey("version");
        assertThat(services().keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(image("postgres")).startsWith("postgres:");
        assertThat(image("kafka")).startsWith("apache/kafka:");
        for (String application : APPLICATIONS) {
            assertThat(buildContext(application)).as(application).isEqualTo(ROOT.resolve(MODULE_OF.get(application)).normalize());
        }
    }

    @Test
    void postgresAndKafkaHaveHealthChecksAndTheApplicationsKeepTheirImagesHealthChecks() {
        assertThat(String.join(" ", healthCheck("postgres"))).contains("pg_isready");
        assertThat(String.join(" ", healthCheck("kafka"))).contains("--bootstrap-server");
        for (String application : APPLICATIONS) {
            Map<String, Object> own = map(service(application).get("healthcheck"));
            assertThat(own.get("disable")).as(application).isNotEqualTo(true);
            assertThat(String.valueOf(own.get("test"))).as(application).doesNotContain("NONE");
            assertThat(dockerfile(application).instruction("HEALTHCHECK")).as(application).contains(" CMD ");
        }
    }

    @Test
    void theKmsIsHealthyWhenItAnswersAGetWithTheCodeItRefusesGetsWith() {
        // TencentApiHandler refuses every method but POST with UnsupportedOperation, in its envelope.
        String probe = dockerfile("kms").instruction("HEALTHCHECK");
        assertThat(probe).contains("curl").contains("127.0.0.1:$SERVER_PORT/")
                .contains("grep -q '\"Code\":\"" + ErrorCode.UNSUPPORTED_OPERATION.code() + "\"'")
                .doesNotContain("-X POST");
    }

    @Test
    void bothApplicationsWaitForAHealthyDatabaseAndBroker() {
        for (String application : APPLICATIONS) {
            Map<String, Object> dependsOn = map(service(application).get("depends_on"));
            assertThat(dependsOn.keySet()).as(application).containsExactlyInAnyOrder("postgres", "kafka");
            dependsOn.values().forEach(condition ->
                    assertThat(map(condition)).as(application).containsEntry("condition", "service_healthy"));
        }
    }

    @Test
    void everyServiceKeepsItsDataInANamedVolumeDeclaredAtTheTop() {
        Set<String> declared = map(compose.get("volumes")).keySet();
        Map<String, String> dataDirectory = Map.of(
                "postgres", "/var/lib/postgresql/data",
                "kafka", environment("kafka").get("KAFKA_LOG_DIRS"),
                "kms", dockerfile("kms").env().get("KMS_DATA_DIR"),
                "audit-consumer", dockerfile("audit-consumer").env().get("AUDIT_DATA_DIR"));
        Set<String> used = new TreeSet<>();
        for (String name : SERVICES) {
            List<String[]> mounts = list(service(name).get("volumes")).stream()
                    .map(mount -> String.valueOf(mount).split(":")).toList();
            String[] data = mounts.stream().filter(mount -> mount[1].equals(dataDirectory.get(name))).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " mounts nothing on " + dataDirectory.get(name)));
            assertThat(declared).as(name).contains(data[0]);
            for (String[] mount : mounts) {
                if (mount[0].startsWith(".")) {
                    assertThat(mount).as(name + ": a file of the repository is mounted read-only").hasSize(3);
                    assertThat(mount[2]).isEqualTo("ro");
                    assertThat(ROOT.resolve(mount[0])).isRegularFile();
                } else {
                    used.add(mount[0]);
                }
            }
        }
        assertThat(used).as("every declared volume is used").containsExactlyInAnyOrderElementsOf(declared);
        for (String application : APPLICATIONS) {
            assertThat(dockerfile(application).instruction("VOLUME")).isEqualTo(dataDirectory.get(application));
        }
    }

    @Test
    void everyVariableTheKmsIsGivenIsASettingItReads() throws IOException {
        Map<String, String> given = new LinkedHashMap<>(dockerfile("kms").env());
        given.putAll(environment("kms"));
        Set<String> springKeys = applicationPropertyKeys();
        KmsProperties defaults = bind(Map.of());
        for (var variable : given.entrySet()) {
            String name = variable.getKey();
            if (name.startsWith("KMS_")) {
                // Bound as the server binds its environment: a variable it reads changes KmsProperties.
                String value = REFERENCE.matcher(variable.getValue()).matches() ? "sample" : variable.getValue();
                assertThat(bind(Map.of(name, value))).as(name + " is not a setting of KmsProperties").isNotEqualTo(defaults);
            } else {
                assertThat(springKeys).as(name + " is neither a KMS_ setting nor a property of application.properties")
                        .contains(name.toLowerCase().replace('_', '.'));
            }
        }
        assertThat(given).containsKeys("KMS_DB_URL", "KMS_ROOT_KEY", "KMS_KAFKA_BOOTSTRAP_SERVERS", "SERVER_ADDRESS");
        assertThat(given.get("SERVER_ADDRESS")).as("reachable from outside its container").isEqualTo("0.0.0.0");
    }

    @Test
    void noSecretIsCommittedOnlyReferencesToTheUsersEnvFile() throws IOException {
        for (String name : SERVICES) {
            environment(name).forEach((variable, value) -> {
                if (SECRET_NAME.matcher(variable).matches()) {
                    assertThat(value).as(name + ": " + variable).matches(REFERENCE.pattern());
                }
            });
        }
        for (String application : APPLICATIONS) {
            assertThat(dockerfile(application).env().keySet()).noneMatch(variable -> SECRET_NAME.matcher(variable).matches());
        }
        references().forEach(reference -> assertThat(reference.modifier()).as("${" + reference.name() + "…}: required, never a default")
                .matches("(:?\\?.*)?"));
        envExample().forEach((variable, value) -> assertThat(value).as(".env.example gives " + variable + " no value").isEmpty());
        assertThat(Files.readAllLines(ROOT.resolve(".gitignore"))).as(".env is never committed").contains(".env");
    }

    @Test
    void envExampleNamesEveryVariableTheComposeFileReferencesAndNoOther() throws IOException {
        Set<String> referenced = references().stream().map(Reference::name).collect(Collectors.toCollection(TreeSet::new));
        assertThat(referenced).isNotEmpty();
        assertThat(envExample().keySet()).containsExactlyInAnyOrderElementsOf(referenced);
        String example = Files.readString(ROOT.resolve(".env.example"));
        for (String variable : referenced) {
            // How to make each value: the openssl command beside it.
            assertThat(example).as(variable).containsPattern("#[^\\n]*openssl rand[^\\n]*\\n" + variable + "=");
        }
    }

    @Test
    void theDockerfilesCopyTheJarsTheBuildsMakeAndRunThem() throws IOException {
        for (String application : APPLICATIONS) {
            String module = MODULE_OF.get(application);
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            if (Files.exists(pom)) {
                Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(pom));
                assertThat(finalName.find()).as(pom + " names its jar").isTrue();
                assertThat(finalName.group(1)).as(pom.toString()).isEqualTo(module);
            }
            String jar = "target/" + module + ".jar";
            String inImage = "/app/" + module + ".jar";
            Dockerfile dockerfile = dockerfile(application);
            assertThat(dockerfile.instruction("FROM")).startsWith("eclipse-temurin:17-jre");
            assertThat(dockerfile.instruction("COPY")).isEqualTo(jar + " " + inImage);
            assertThat(dockerfile.instruction("ENTRYPOINT")).isEqualTo("[\"java\", \"-jar\", \"" + inImage + "\"]");
            assertThat(dockerfile.instruction("USER")).as("not root").isNotBlank().isNotIn("root", "0");
            assertThat(dockerfile.instruction("EXPOSE")).isEqualTo(dockerfile.env().get("SERVER_PORT"));
            // The build context sends the jar and nothing else.
            assertThat(Files.readAllLines(buildContext(application).resolve(".dockerignore")))
                    .contains("*", "!" + jar);
        }
    }

    @Test
    void portsArePublishedOnTheHostsLoopbackOnlyAndOnlyForTheApplications() {
        for (String name : SERVICES) {
            List<Object> ports = list(service(name).get("ports"));
            if (!APPLICATIONS.contains(name)) {
                assertThat(ports).as(name).isEmpty();
                continue;
            }
            String port = dockerfile(name).env().get("SERVER_PORT");
            assertThat(ports).as(name).containsExactly("127.0.0.1:" + port + ":" + port);
        }
    }

    @Test
    void theApplicationsReachTheirOwnDatabaseAndTheBrokerByServiceName() throws IOException {
        String script = Files.readString(ROOT.resolve("compose/postgres/create-databases.sh"));
        assertThat(list(service("postgres").get("volumes")))
                .contains("./compose/postgres/create-databases.sh:/docker-entrypoint-initdb.d/create-databases.sh:ro");
        Map<String, String> created = new LinkedHashMap<>();
        Matcher database = Pattern.compile("CREATE DATABASE (\\w+) OWNER (\\w+);").matcher(script);
        while (database.find()) {
            created.put(database.group(1), database.group(2));
        }
        assertThat(created).hasSize(2);
        String broker = environment("kafka").get("KAFKA_ADVERTISED_LISTENERS").replaceFirst("^PLAINTEXT://", "");
        for (String prefix : List.of("KMS", "AUDIT")) {
            Map<String, String> environment = environment(prefix.equals("KMS") ? "kms" : "audit-consumer");
            Matcher url = Pattern.compile("jdbc:postgresql://postgres:5432/(\\w+)").matcher(environment.get(prefix + "_DB_URL"));
            assertThat(url.matches()).as(prefix + "_DB_URL").isTrue();
            assertThat(created).as("created by the init script").containsEntry(url.group(1), environment.get(prefix + "_DB_USER"));
            String password = prefix + "_DB_PASSWORD";
            assertThat(environment.get(password)).isEqualTo(environment("postgres").get(password));
            assertThat(script).contains("\"${" + password + ":?");
            assertThat(environment.get(prefix + "_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo(broker);
        }
        assertThat(broker).startsWith("kafka:");
    }

    @Test
    void dockerComposeAcceptsTheFileWhereItIsInstalled(@TempDir Path temp) throws Exception {
        Assumptions.assumeTrue(onPath("docker"), "docker is not installed");
        Assumptions.assumeTrue(run(List.of("docker", "compose", "version"), false) == 0, "docker compose is not installed");
        // Every variable .env.example names, with a made-up value: the user's .env is not read.
        Path env = temp.resolve("env");
        Files.write(env, envExample().keySet().stream().map(variable -> variable + "=not-a-secret").toList());
        assertThat(run(List.of("docker", "compose", "--project-directory", ROOT.toString(), "-f",
                ROOT.resolve("docker-compose.yml").toString(), "--env-file", env.toString(), "config", "--quiet"), true))
                .as("docker compose config").isZero();
    }

    // --- reading the files ---

    private static KmsProperties bind(Map<String, Object> variables) {
        var source = new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables);
        return new Binder(ConfigurationPropertySources.from(source)).bindOrCreate("kms", KmsProperties.class);
    }

    private static Set<String> applicationPropertyKeys() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = DockerComposeTest.class.getResourceAsStream("/application.properties")) {
            assertThat(in).as("application.properties").isNotNull();
            properties.load(in);
        }
        return properties.stringPropertyNames().stream().map(key -> key.replace("-", "")).collect(Collectors.toSet());
    }

    private Map<String, Object> services() {
        return map(compose.get("services"));
    }

    private Map<String, Object> service(String name) {
        return map(services().get(name));
    }

    private String image(String name) {
        return String.valueOf(service(name).get("image"));
    }

    private List<String> healthCheck(String name) {
        Map<String, Object> healthCheck = map(service(name).get("healthcheck"));
        List<String> test = list(healthCheck.get("test")).stream().map(String::valueOf).toList();
        assertThat(test).as(name + " health check").isNotEmpty();
        assertThat(test.get(0)).as(name).isIn("CMD", "CMD-SHELL");
        assertThat(healthCheck).as(name).containsKeys("interval", "timeout", "retries");
        return test;
    }

    private Path buildContext(String application) {
        Object build = service(application).get("build");
        Object context = build instanceof Map<?, ?> spec ? spec.get("context") : build;
        assertThat(context).as(application + " is built from its module").isNotNull();
        return ROOT.resolve(String.valueOf(context)).normalize();
    }

    private Dockerfile dockerfile(String application) {
        return Dockerfile.read(buildContext(application).resolve("Dockerfile"));
    }

    /** A service's environment as written (map form), values as text. */
    private Map<String, String> environment(String name) {
        Map<String, String> environment = new LinkedHashMap<>();
        map(service(name).get("environment")).forEach((variable, value) -> environment.put(variable, String.valueOf(value)));
        return environment;
    }

    private record Reference(String name, String modifier) {
    }

    /** Every ${…} in the file's keys and values (comments are neither). */
    private List<Reference> references() {
        List<Reference> found = new ArrayList<>();
        strings(compose).forEach(text -> {
            Matcher reference = ANY_REFERENCE.matcher(text);
            while (reference.find()) {
                found.add(new Reference(reference.group(1), reference.group(2)));
            }
        });
        return found;
    }

    private static Stream<String> strings(Object node) {
        if (node instanceof Map<?, ?> map) {
            return Stream.concat(map.keySet().stream().flatMap(DockerComposeTest::strings),
                    map.values().stream().flatMap(DockerComposeTest::strings));
        }
        if (node instanceof List<?> list) {
            return list.stream().flatMap(DockerComposeTest::strings);
        }
        return node == null ? Stream.empty() : Stream.of(String.valueOf(node));
    }

    private static Map<String, String> envExample() throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            int equals = text.indexOf('=');
            assertThat(equals).as(".env.example line " + line).isPositive();
            variables.put(text.substring(0, equals), text.substring(equals + 1));
        }
        return variables;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object node) {
        return node == null ? List.of() : (List<Object>) node;
    }

    private static Map<String, Object> yaml(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("docker-compose.yml")) && Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new AssertionError("no docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }

    private static int run(List<String> command, boolean showFailure) throws IOException, InterruptedException {
        Path output = Files.createTempFile("docker", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish within 60 s");
            }
            if (process.exitValue() != 0 && showFailure) {
                System.out.println(command + ":\n" + Files.readString(output));
            }
            return process.exitValue();
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** A Dockerfile's instructions, continuation lines joined and comments dropped. */
    private record Dockerfile(Path file, Map<String, List<String>> instructions) {

        static Dockerfile read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new AssertionError("cannot read " + file, e);
            }
            Map<String, List<String>> instructions = new LinkedHashMap<>();
            StringBuilder current = new StringBuilder();
            for (String line : lines) {
                String text = line.strip();
                if (text.startsWith("#") || (text.isEmpty() && current.isEmpty())) {
                    continue;
                }
                boolean continued = text.endsWith("\\");
                current.append(continued ? text.substring(0, text.length() - 1).strip() : text).append(' ');
                if (!continued) {
                    String instruction = current.toString().strip();
                    int space = instruction.indexOf(' ');
                    instructions.computeIfAbsent(instruction.substring(0, space).toUpperCase(), k -> new ArrayList<>())
                            .add(instruction.substring(space + 1).strip());
                    current.setLength(0);
                }
            }
            return new Dockerfile(file, instructions);
        }

        /** The one instruction of that name (this project's Dockerfiles have each once). */
        String instruction(String name) {
            List<String> found = instructions.getOrDefault(name, List.of());
            assertThat(found).as(file + ": " + name).hasSize(1);
            return found.get(0);
        }

        /** ENV NAME=value … (no quoting or spaces in values here). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (String pair : instruction("ENV").split("\\s+")) {
                int equals = pair.indexOf('=');
                assertThat(equals).as(file + ": ENV " + pair).isPositive();
                env.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
            return env;
        }
    }
}
