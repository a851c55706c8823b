package io.hookgate.support;

import io.hookgate.Hookgate;
import io.hookgate.config.ConfigFile;
import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real gateway for a test class: started from {@code conf/hookgate.yaml} on its own fresh database,
 * reached over real HTTP on loopback, with a direct pool to check what the database holds.
 *
 * <p>A test class that needs one gateway for all its tests declares it as an extension, which starts it
 * before the class's own {@code @BeforeAll} methods and closes it after the last test:
 * <pre>{@code @RegisterExtension static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());}</pre>
 * Tests that start, stop and restart gateways themselves (clusters, crashes) call {@link #start} instead.
 */
public final class TestGateway implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  public static final String ADMIN_KEY = "test-admin-key-0123456789";
  /** base64 of the 32 bytes "0123456789abcdef0123456789abcdef". */
  public static final String SECRET_ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

  private final Consumer<JsonObject> adjust;
  private Hookgate gateway;
  private Vertx clientVertx;
  private WebClient client;
  private Pool db;
  private Path configPath;

  /** A gateway just started, and the config file it watches. */
  private record Started(Hookgate gateway, Path configFile) {
  }

  private TestGateway(Consumer<JsonObject> adjust) {
    this.adjust = adjust;
  }

  public static TestGateway perClass() {
    return perClass(tree -> { });
  }

  /** A gateway started before the test class's {@code @BeforeAll} methods and closed after its tests. */
  public static TestGateway perClass(Consumer<JsonObject> adjust) {
    return new TestGateway(adjust);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    open(startGateway(TestDatabase.fresh(), adjust, Clock.systemUTC(), null));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  private TestGateway open(Started started) {
    this.gateway = started.gateway();
    this.configPath = started.configFile();
    this.clientVertx = Vertx.vertx();
    this.client = WebClient.create(clientVertx, new WebClientOptions()
      .setDefaultHost("127.0.0.1")
      .setDefaultPort(gateway.port())
      .setFollowRedirects(false));
    this.db = Pools.pool(clientVertx, gateway.config().database(), "test-checks", 2);
    return this;
  }

  public static TestGateway start() {
    return start(tree -> { });
  }

  /** Starts a gateway; {@code adjust} may change the config tree read from conf/hookgate.yaml. */
  public static TestGateway start(Consumer<JsonObject> adjust) {
    return start(TestDatabase.fresh(), adjust);
  }

  /** Starts a gateway on an existing database (e.g. to restart on the data of a closed one). */
  public static TestGateway start(HookgateConfig.Database database, Consumer<JsonObject> adjust) {
    return new TestGateway(adjust).open(startGateway(database, adjust, Clock.systemUTC(), null));
  }

  /** Starts a gateway whose delivery engine keeps time by {@code clock}. */
  public static TestGateway start(Consumer<JsonObject> adjust, Clock clock) {
    return new TestGateway(adjust).open(startGateway(TestDatabase.fresh(), adjust, clock, null));
  }

  /** Starts a gateway that traces through {@code openTelemetry} (an SDK with an in-memory exporter, say). */
  public static TestGateway start(Consumer<JsonObject> adjust, OpenTelemetry openTelemetry) {
    return new TestGateway(adjust).open(startGateway(TestDatabase.fresh(), adjust, Clock.systemUTC(), openTelemetry));
  }

  private static Started startGateway(HookgateConfig.Database database, Consumer<JsonObject> adjust, Clock clock,
                                      OpenTelemetry openTelemetry) {
    JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
    tree.put("admin-key", ADMIN_KEY);
    tree.getJsonObject("http").put("port", 0).put("host", "127.0.0.1").put("instances", 2);
    tree.getJsonObject("database")
      .put("mode", "external")
      .put("host", database.host())
      .put("port", database.port())
      .put("name", database.name())
      .put("user", database.user())
      .put("password", database.password());
    tree.getJsonObject("security").put("secret-encryption-key", SECRET_ENCRYPTION_KEY);
    adjust.accept(tree);
    // Started from a file of its own, as a node is: tests change the file and the gateway follows it.
    ConfigFile file = writeConfig(tree);
    return new Started(Hookgate.start(file.config(), clock, file, openTelemetry), file.path());
  }

  private static ConfigFile writeConfig(JsonObject tree) {
    try {
      Path path = Files.createTempFile("hookgate-test-", ".yaml");
      path.toFile().deleteOnExit();
      // JSON is YAML.
      Files.writeString(path, tree.encodePrettily());
      return ConfigFile.read(path, Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The config file this gateway was started from, and watches. */
  public Path configFile() {
    return configPath;
  }

  /** Rewrites this gateway's config file with {@code change} applied to what it holds now. */
  public void editConfig(Consumer<JsonObject> change) {
    try {
      JsonObject tree = ConfigSource.readYaml(configPath);
      change.accept(tree);
      Files.writeString(configPath, tree.encodePrettily());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Delivery settings for tests: loopback receivers allowed, a short retry schedule, a fast scheduler
   * and breaker, short timeouts. Tests change single keys on top of it.
   */
  public static Consumer<JsonObject> fastDelivery(Consumer<JsonObject> more) {
    return tree -> {
      tree.getJsonObject("delivery")
        .put("allowed-private-networks", new JsonArray().add("127.0.0.0/8"))
        .put("retry-schedule", new JsonArray().add("0s").add("200ms").add("200ms"))
        .put("retry-jitter", 0)
        .put("request-timeout-ms", 1000)
        .put("connect-timeout-ms", 1000)
        .put("lease", "3s")
        .put("scheduler-interval-ms", 50);
      tree.getJsonObject("delivery").getJsonObject("circuit-breaker").put("failure-threshold", 1000).put("reset-timeout", "1s");
      more.accept(tree);
    };
  }

  /** Clustered on loopback: nodes started with the same name and base port find each other. */
  public static Consumer<JsonObject> clustered(String name, int basePort, Consumer<JsonObject> more) {
    return fastDelivery(tree -> {
      tree.getJsonObject("cluster")
        .put("enabled", true)
        .put("name", name)
        .put("host", "127.0.0.1")
        .put("port", basePort)
        .put("members", new JsonArray().add("127.0.0.1"))
        .put("drain-timeout", "3s");
      more.accept(tree);
    });
  }

  public static Consumer<JsonObject> fastDelivery() {
    return fastDelivery(tree -> { });
  }

  public HookgateConfig.Database database() {
    return gateway.config().database();
  }

  /** Creates a subscription for the token's application; returns its data (with secret_key). */
  public JsonObject subscribe(String token, String url, String... events) {
    return subscribe(token, new JsonObject().put("url", url).put("events", new JsonArray(java.util.List.of((Object[]) events))));
  }

  public JsonObject subscribe(String token, JsonObject body) {
    HttpResponse<Buffer> response = send(HttpMethod.POST, "/api/partner/v1/webhooks", token, body);
    if (response.statusCode() != 201) {
      throw new IllegalStateException("subscription not created: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getJsonObject("data");
  }

  /** Pushes one event through the Platform API; returns the 202 body's data. */
  public JsonObject ingest(JsonObject event) {
    HttpResponse<Buffer> response = admin(HttpMethod.POST, "/api/v1/events", event);
    if (response.statusCode() != 202) {
      throw new IllegalStateException("event not accepted: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getJsonObject("data");
  }

  public static JsonObject event(String type, JsonObject data) {
    return new JsonObject().put("type", type).put("data", data);
  }

  /** The event as the Platform API shows it, with its deliveries. */
  public JsonObject event(String id) {
    return admin(HttpMethod.GET, "/api/v1/events/" + id, null).bodyAsJsonObject().getJsonObject("data");
  }

  public Hookgate gateway() {
    return gateway;
  }

  public int port() {
    return gateway.port();
  }

  public WebClient client() {
    return client;
  }

  public Vertx vertx() {
    return clientVertx;
  }

  // ---- HTTP helpers (blocking; tests run on the JUnit thread, never on an event loop) ----

  public HttpResponse<Buffer> send(HttpMethod method, String path, String bearer, JsonObject body) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (bearer != null) {
      request.bearerTokenAuthentication(bearer);
    }
    return await(body == null ? request.send() : request.sendJsonObject(body));
  }

  public HttpResponse<Buffer> sendRaw(HttpMethod method, String path, String bearer, String contentType, Buffer body) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (bearer != null) {
      request.bearerTokenAuthentication(bearer);
    }
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return await(request.sendBuffer(body));
  }

  public HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    return send(method, path, ADMIN_KEY, body);
  }

  /** Creates a partner application; returns its data including client_id and client_secret. */
  public JsonObject createApplication(String name, String... scopes) {
    JsonObject body = new JsonObject().put("name", name);
    if (scopes.length > 0) {
      body.put("scopes", new JsonArray(java.util.List.of((Object[]) scopes)));
    }
    HttpResponse<Buffer> response = admin(HttpMethod.POST, "/api/v1/applications", body);
    if (response.statusCode() != 201) {
      throw new IllegalStateException("application not created: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getJsonObject("data");
  }

  /** An access token for the application, with the given space-separated scopes (or all when null). */
  public String token(JsonObject application, String scope) {
    io.vertx.core.MultiMap form = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
      .add("grant_type", "client_credentials")
      .add("client_id", application.getString("client_id"))
      .add("client_secret", application.getString("client_secret"));
    if (scope != null) {
      form.add("scope", scope);
    }
    HttpResponse<Buffer> response = await(client.post("/api/partner/v1/oauth/token").sendForm(form));
    if (response.statusCode() != 200) {
      throw new IllegalStateException("no token: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getString("access_token");
  }

  /** A fresh application with a token carrying both scopes. */
  public String partnerToken(String name) {
    return token(createApplication(name), null);
  }

  /** The value of one series on {@code /metrics}, e.g. {@code hookgate_deliveries_due}; fails if it is absent. */
  public double metric(String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.E+-]+)$")
      .matcher(send(HttpMethod.GET, "/metrics", null, null).bodyAsString());
    if (!m.find()) {
      throw new AssertionError(series + " is not on /metrics");
    }
    return Double.parseDouble(m.group(1));
  }

  // ---- direct database checks ----

  public RowSet<Row> query(String sql, Object... args) {
    return await(db.preparedQuery(sql).execute(Tuple.from(args)));
  }

  public long count(String sql, Object... args) {
    return query(sql, args).iterator().next().getLong(0);
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (gateway == null) {
      return;
    }
    try {
      await(db.close());
      await(clientVertx.close());
    } finally {
      gateway.close();
      gateway = null;
    }
  }

  public static Path projectRoot() {
    return Path.of("").toAbsolutePath();
  }
}
