package io.hookgate;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.PartnerRateLimiter;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.EmbeddedPostgresServer;
import io.hookgate.db.Housekeeping;
import io.hookgate.db.Migrations;
import io.hookgate.db.Pools;
import io.hookgate.delivery.AddressPolicy;
import io.hookgate.delivery.DeliveryMetrics;
import io.hookgate.delivery.Dispatcher;
import io.hookgate.delivery.EndpointBreakers;
import io.hookgate.delivery.EndpointResolver;
import io.hookgate.delivery.InFlightLimits;
import io.hookgate.delivery.ResultWriter;
import io.hookgate.delivery.Scheduler;
import io.hookgate.event.EventCatalog;
import io.hookgate.event.EventType;
import io.hookgate.event.EventTypeCatalogFile;
import io.hookgate.event.EventTypeStore;
import io.hookgate.http.ApiContract;
import io.hookgate.http.ApiVerticle;
import io.hookgate.subscription.SecretBox;
import io.hookgate.subscription.SubscriptionIndex;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running gateway: database (embedded or external), migrations, Vert.x with metrics, and the
 * verticles. {@link #start} blocks the calling thread (never an event loop) until the API listens.
 */
public final class Hookgate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hookgate.class);
  private static final long HOUSEKEEPING_PERIOD_MS = TimeUnit.MINUTES.toMillis(10);

  private final HookgateConfig config;
  private final Vertx vertx;
  private final EmbeddedPostgresServer embedded;
  private final ApiVerticle api;
  private final ResultWriter writer;
  private final SubscriptionIndex index;

  private Hookgate(HookgateConfig config, Vertx vertx, EmbeddedPostgresServer embedded, ApiVerticle api,
                   ResultWriter writer, SubscriptionIndex index) {
    this.writer = writer;
    this.index = index;
    this.config = config;
    this.vertx = vertx;
    this.embedded = embedded;
    this.api = api;
  }

  /** Starts everything; {@code config.adminKey()} must already be set. */
  public static Hookgate start(HookgateConfig config) {
    if (config.adminKey().isEmpty()) {
      throw new IllegalArgumentException("admin key must be resolved before start");
    }
    EmbeddedPostgresServer embedded = null;
    Vertx vertx = null;
    try {
      if (config.database().embedded()) {
        embedded = EmbeddedPostgresServer.start(config.dataDir(), config.database().embeddedPort(), true);
        config = config.withDatabase(embedded.connection(config.database()));
        LOG.info("Embedded PostgreSQL on port {} with data in {}", embedded.port(), config.dataDir().resolve("pg"));
      }
      if (config.security().secretEncryptionKey() == null) {
        config = config.withSecretEncryptionKey(localSecretKey(config.dataDir()));
      }
      int applied = Migrations.apply(config.database());
      LOG.info("Database schema ready ({} migration(s) applied now)", applied);

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Vertx.builder()
        .with(new VertxOptions()
          .setPreferNativeTransport(true)
          .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE,
              Label.POOL_NAME, Label.EB_ADDRESS))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();

      seedEventTypes(vertx, config);

      String nodeId = UUID.randomUUID().toString();
      SecretBox secrets = new SecretBox(config.security().secretEncryptionKey());
      Pool nodePool = Pools.pool(vertx, config.database(), "node", 4);
      SubscriptionIndex index = new SubscriptionIndex(vertx, nodePool, secrets);
      await(index.start());
      InFlightLimits limits = new InFlightLimits(config.delivery().maxInFlight(), config.delivery().maxInFlightPerEndpoint());
      DeliveryMetrics metrics = new DeliveryMetrics(registry, limits);
      EndpointBreakers breakers = new EndpointBreakers(vertx, nodePool, registry, nodeId, config.delivery().breaker());
      await(breakers.start());
      ResultWriter writer = new ResultWriter(vertx, Pools.pool(vertx, config.database(), "results", 4), index,
        config.delivery().autoDisable(), metrics);
      EndpointResolver resolver = new EndpointResolver(vertx, new AddressPolicy(config.delivery().allowedPrivateNetworks()));

      ApiVerticle.Shared shared = new ApiVerticle.Shared(nodeId, config, ApiContract.load(), registry,
        new PartnerRateLimiter(config.api().partnerRatePerSecond(), config.api().partnerRateBurst()), secrets, index,
        new EventCatalog(new EventTypeStore(nodePool)), resolver, metrics);
      Dispatcher.Services delivery = new Dispatcher.Services(config.delivery(), index, breakers, limits, writer, resolver,
        metrics);
      int instances = config.http().effectiveInstances();
      await(vertx.deployVerticle(() -> new Dispatcher(delivery), new DeploymentOptions().setInstances(instances)));
      HookgateConfig.Database database = config.database();
      await(vertx.deployVerticle(new Scheduler(database, config.delivery(), limits, metrics, nodeId)));
      AtomicReference<ApiVerticle> first = new AtomicReference<>();
      await(vertx.deployVerticle(() -> {
        ApiVerticle verticle = new ApiVerticle(shared);
        first.compareAndSet(null, verticle);
        return verticle;
      }, new DeploymentOptions().setInstances(instances)));
      Hookgate gateway = new Hookgate(config, vertx, embedded, first.get(), writer, index);
      gateway.scheduleHousekeeping();
      LOG.info("Hookgate API listening on {}:{} (native transport: {}, outbound TLS: {})", config.http().host(),
        gateway.port(), vertx.isNativeTransportEnabled(),
        io.vertx.core.net.OpenSSLEngineOptions.isAvailable() ? "OpenSSL via netty-tcnative" : "JDK");
      return gateway;
    } catch (RuntimeException e) {
      if (vertx != null) {
        try {
          await(vertx.close());
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  public int port() {
    return api.port();
  }

  /** This node's view of the subscriptions. */
  public SubscriptionIndex subscriptions() {
    return index;
  }

  /** The HTTP routes the API serves ("METHOD /path"). */
  public Set<String> routes() {
    return api.routes();
  }

  public HookgateConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  private void scheduleHousekeeping() {
    Housekeeping.schedule(vertx, Pools.pool(vertx, config.database(), "housekeeping", 1), HOUSEKEEPING_PERIOD_MS);
  }


  private static void seedEventTypes(Vertx vertx, HookgateConfig config) {
    List<EventType> catalog = EventTypeCatalogFile.read(config.eventTypesFile());
    Pool pool = Pools.pool(vertx, config.database(), "seed", 1);
    try {
      int added = await(new EventTypeStore(pool).seed(catalog));
      LOG.info("Event-type catalog: {} type(s) in {}, {} added now", catalog.size(), config.eventTypesFile(), added);
    } finally {
      await(pool.close());
    }
  }

  /**
   * Embedded mode without a configured key: a key made once and kept beside the data it protects,
   * readable only by the owner.
   */
  private static byte[] localSecretKey(Path dataDir) {
    Path file = dataDir.resolve("secret-encryption.key");
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file).trim());
      }
      Files.createDirectories(dataDir);
      byte[] key = Credentials.randomBytes(32);
      Files.writeString(file, Base64.getEncoder().encodeToString(key));
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      LOG.warn("No security.secret-encryption-key configured: created {} (keep it with the data)", file);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file, e);
    }
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out", e);
    }
  }

  /** Stops the verticles, then the embedded database. Blocking; call off the event loop. */
  @Override
  public void close() {
    try {
      try {
        await(writer.drain(System.currentTimeMillis() + 5_000));
      } finally {
        await(vertx.close());
      }
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
