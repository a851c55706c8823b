package io.hookgate;

import io.hookgate.application.ApplicationStore;
import io.hookgate.auth.Credentials;
import io.hookgate.catalog.EventAliases;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.catalog.EventTypeStore;
import io.hookgate.cluster.ClusterSetup;
import io.hookgate.cluster.Membership;
import io.hookgate.config.ConfigFile;
import io.hookgate.config.ConfigReload;
import io.hookgate.config.HookgateConfig;
import io.hookgate.config.LiveConfig;
import io.hookgate.db.EmbeddedPostgresServer;
import io.hookgate.db.HostWriteback;
import io.hookgate.db.Migrations;
import io.hookgate.db.Pools;
import io.hookgate.dialect.Dialects;
import io.hookgate.dialect.DialectsReload;
import io.hookgate.engine.AttemptStore;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.Engine;
import io.hookgate.engine.EventStore;
import io.hookgate.engine.StatsStore;
import io.hookgate.http.ApiContract;
import io.hookgate.http.ConnectionLoss;
import io.hookgate.limits.EndpointBreakers;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.logging.LogLevels;
import io.hookgate.operational.OperationalEvents;
import io.hookgate.ops.Readiness;
import io.hookgate.retention.Erasures;
import io.hookgate.retention.Retention;
import io.hookgate.subscription.SecretBox;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.hookgate.tracing.Traces;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running gateway node, and its composition root: every part is built here, once, in the order below,
 * and each verticle is given what it uses. {@link #start} blocks the calling thread (never an event loop)
 * until the API listens; {@link #close} stops the node gracefully.
 *
 * <ol>
 *   <li>the dialects (payload templates compiled, signature schemes checked);</li>
 *   <li>the database: the embedded server (default) or an external one, the secret-encryption key,
 *   migrations;</li>
 *   <li>Vert.x, clustered or not, with metrics;</li>
 *   <li>the tables' owners and the catalog seed;</li>
 *   <li>the subscriptions' index and the cluster's membership;</li>
 *   <li>the delivery engine (scheduler, dispatchers), then the API verticles, then the upkeep timer.</li>
 * </ol>
 */
public final class Hookgate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hookgate.class);
  private static final long UPKEEP_PERIOD_MS = TimeUnit.MINUTES.toMillis(10);

  private final HookgateConfig config;
  private final Vertx vertx;
  private final EmbeddedPostgresServer embedded;
  private final String nodeId;
  private final Membership membership;
  private final SubscriptionIndex index;
  private final Engine engine;
  private final ApiVerticle api;
  private final String apiDeployment;
  private final Retention retention;
  private final LiveConfig live;
  private final DialectsReload dialectsReload;
  private final ConfigReload reload;
  private final Traces traces;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Hookgate(HookgateConfig config, Vertx vertx, EmbeddedPostgresServer embedded, String nodeId,
                   Membership membership, SubscriptionIndex index, Engine engine, ApiVerticle api, String apiDeployment,
                   Retention retention, LiveConfig live, ConfigReload reload, DialectsReload dialectsReload,
                   Traces traces) {
    this.dialectsReload = dialectsReload;
    this.traces = traces;
    this.config = config;
    this.vertx = vertx;
    this.embedded = embedded;
    this.nodeId = nodeId;
    this.membership = membership;
    this.index = index;
    this.engine = engine;
    this.api = api;
    this.apiDeployment = apiDeployment;
    this.retention = retention;
    this.live = live;
    this.reload = reload;
  }

  /** Starts everything; {@code config.adminKey()} must already be set. */
  public static Hookgate start(HookgateConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts everything with {@code clock} as the delivery engine's notion of now: when retries are due and
   * since when an endpoint has been failing. Tests move it forward instead of waiting.
   */
  public static Hookgate start(HookgateConfig config, Clock clock) {
    return start(config, clock, null);
  }

  /**
   * Starts everything; {@code file}, when given, is where {@code config} was read from: it is watched, and
   * the tunables that are safe to change live follow it ({@link ConfigReload}).
   */
  public static Hookgate start(HookgateConfig config, Clock clock, ConfigFile file) {
    return start(config, clock, file, null);
  }

  /**
   * Starts everything; traces go through {@code openTelemetry} when given (tests read them from an in-memory
   * exporter), else as {@code tracing} in the config says.
   */
  public static Hookgate start(HookgateConfig config, Clock clock, ConfigFile file, OpenTelemetry openTelemetry) {
    if (config.adminKey().isEmpty()) {
      throw new IllegalArgumentException("admin key must be resolved before start");
    }
    LogLevels.apply(config.logging().levels());
    // Dialects first: a template or scheme that does not compile stops the start before anything runs.
    EventAliases aliases = EventTypeCatalogFile.aliases(config.eventTypesFile());
    Dialects dialects = Dialects.load(config.dialectsFile(), aliases);
    EmbeddedPostgresServer embedded = null;
    Vertx vertx = null;
    Traces traces = Traces.OFF;
    try {
      if (config.database().embedded()) {
        embedded = startEmbedded(config);
        config = config.withDatabase(embedded.connection(config.database()));
      }
      if (config.security().secretEncryptionKey() == null) {
        config = config.withSecretEncryptionKey(SecretBox.localKey(config.dataDir()));
      }
      LOG.info("Database schema ready ({} migration(s) applied now)", Migrations.apply(config.database()));
      LiveConfig live = new LiveConfig(config, file == null ? null : file.loaded());
      live.onChange(reloaded -> LogLevels.apply(reloaded.logging().levels()));

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      HazelcastClusterManager clusterManager = config.cluster().enabled()
        ? ClusterSetup.clusterManager(config.cluster()) : null;
      vertx = buildVertx(config, registry, clusterManager);
      String nodeId = clusterManager != null ? clusterManager.getNodeId() : UUID.randomUUID().toString();

      SubscriptionStore subscriptions = new SubscriptionStore(new SecretBox(config.security().secretEncryptionKey()));
      Engine.Stores stores = new Engine.Stores(new EventStore(config.retention().partitionInterval()),
        new DeliveryStore(), new AttemptStore(), new StatsStore(), subscriptions);
      ApplicationStore applications = new ApplicationStore();
      EventTypeStore eventTypes = new EventTypeStore();
      Pool nodePool = Pools.pool(vertx, config.database(), "node", 4);
      await(EventTypeCatalogFile.seed(nodePool, eventTypes, config.eventTypesFile()));

      SubscriptionIndex index = new SubscriptionIndex(vertx, nodePool, subscriptions, dialects);
      await(index.start());
      Membership membership = new Membership(nodeId, clusterManager);
      int instances = config.http().effectiveInstances();
      // Partitions for now and ahead exist before the first event is taken.
      Retention retention = new Retention(config, stores, registry, clock);
      await(vertx.deployVerticle(retention));
      traces = openTelemetry != null ? Traces.of(openTelemetry) : Traces.from(config.tracing());
      Engine engine = await(Engine.start(vertx, live, nodeId, stores, index, membership, registry, instances, clock,
        traces));
      await(vertx.deployVerticle(new Erasures(config, stores, nodeId)));

      await(vertx.deployVerticle(new OperationalEvents(config, engine, index, registry)));

      Api api = new Api(nodeId, live, ApiContract.load(), registry, membership, engine, index, applications,
        eventTypes, new EventCatalog(eventTypes, nodePool), traces, dialects);
      AtomicReference<ApiVerticle> first = new AtomicReference<>();
      HookgateConfig.Http http = config.http();
      String apiDeployment = await(vertx.deployVerticle(() -> {
        ApiVerticle verticle = new ApiVerticle(http, api);
        first.compareAndSet(null, verticle);
        return verticle;
      }, new DeploymentOptions().setInstances(instances)));
      scheduleUpkeep(vertx, nodePool, applications, subscriptions);
      new Readiness(vertx, nodePool, membership, registry).start();
      ConfigReload reload = new ConfigReload(vertx, file, live, registry);
      await(reload.start());
      DialectsReload dialectsReload = new DialectsReload(vertx, config.dialectsFile(), dialects, aliases, live, registry,
        candidate -> subscriptions.dialectsInUse(nodePool)
          .compose(used -> applications.dialectsInUse(nodePool).map(used::and)),
        candidate -> index.rebuild());
      await(dialectsReload.start());

      Hookgate gateway = new Hookgate(config, vertx, embedded, nodeId, membership, index, engine, first.get(),
        apiDeployment, retention, live, reload, dialectsReload, traces);
      LOG.info("Hookgate node {} API listening on {}:{} (cluster: {}, native transport: {}, outbound TLS: {})", nodeId,
        config.http().host(), gateway.port(), clusterManager != null ? membership.members() + " member(s)" : "off",
        vertx.isNativeTransportEnabled(), OpenSSLEngineOptions.isAvailable() ? "OpenSSL via netty-tcnative" : "JDK");
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
      traces.close();
      throw e;
    }
  }

  private static EmbeddedPostgresServer startEmbedded(HookgateConfig config) {
    EmbeddedPostgresServer embedded = EmbeddedPostgresServer.start(config.dataDir(), config.database().embeddedPort());
    LOG.info("Embedded PostgreSQL on port {} with data in {}", embedded.port(), config.dataDir().resolve("pg"));
    String writeback = HostWriteback.warning(HostWriteback.settings());
    if (writeback != null) {
      LOG.warn(writeback);
    }
    return embedded;
  }

  private static Vertx buildVertx(HookgateConfig config, PrometheusMeterRegistry registry,
                                  HazelcastClusterManager clusterManager) {
    VertxOptions options = new VertxOptions()
      .setPreferNativeTransport(true)
      .setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        // Its own name, so a second gateway in the same JVM (as in tests) does not report into this one's registry.
        .setRegistryName("hookgate-" + UUID.randomUUID())
        .setJvmMetricsEnabled(true)
        // Outbound webhooks are measured by Hookgate's own meters (docs/decisions/006-outbound-client-metrics.md).
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE,
          Label.POOL_NAME, Label.EB_ADDRESS)));
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    Vertx vertx;
    if (clusterManager == null) {
      vertx = builder.with(options).build();
    } else {
      options.setEventBusOptions(ClusterSetup.eventBus(config.cluster()));
      vertx = await(builder.with(options).withClusterManager(clusterManager).buildClustered());
    }
    return vertx.exceptionHandler(Hookgate::unhandled);
  }

  /**
   * Failures no handler took. A caller or endpoint that went away mid-request (reset, closed, broken pipe)
   * is theirs, not ours: a debug line. Anything else is a fault of ours, logged with its stack trace.
   */
  private static void unhandled(Throwable failure) {
    if (ConnectionLoss.is(failure)) {
      LOG.debug("Connection lost: {}", failure.toString());
    } else {
      LOG.error("Unhandled failure", failure);
    }
  }

  /**
   * Credentials that can no longer be used are forgotten: access tokens an hour past their expiry, and
   * rotated-out signing secrets whose grace period has ended. Safe on every node.
   */
  private static void scheduleUpkeep(Vertx vertx, Pool pool, ApplicationStore applications,
                                     SubscriptionStore subscriptions) {
    vertx.setPeriodic(UPKEEP_PERIOD_MS, id -> Future.join(applications.deleteExpiredTokens(pool),
        subscriptions.deleteEndedSecrets(pool))
      .onFailure(e -> LOG.warn("Forgetting expired credentials failed: {}", e.getMessage())));
  }

  public int port() {
    return api.port();
  }

  public HookgateConfig config() {
    return config;
  }

  /** The configuration in force now, with its version (it follows the config file). */
  public LiveConfig liveConfig() {
    return live;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  /** This node's view of the subscriptions. */
  public Retention retention() {
    return retention;
  }

  public SubscriptionIndex subscriptions() {
    return index;
  }

  public EndpointBreakers breakers() {
    return engine.breakers();
  }

  /** This node's in-flight bounds and its share of each endpoint's cap. */
  public InFlightLimits limits() {
    return engine.limits();
  }

  public Membership membership() {
    return membership;
  }

  /** The HTTP routes the API serves ("METHOD /path"). */
  public Set<String> routes() {
    return api.routes();
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

  /**
   * Graceful shutdown, blocking (call off the event loop): report not ready, stop taking events (the API
   * finishes what it has), stop the engine (no new claims, attempts in flight drain, results written,
   * leases handed back), then leave the cluster and stop; the embedded database last.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    membership.stopping();
    reload.stop();
    dialectsReload.stop();
    try {
      try {
        await(vertx.undeploy(apiDeployment));
        await(engine.stop());
      } catch (RuntimeException e) {
        LOG.warn("Graceful shutdown was cut short ({}); unfinished leases will expire instead, and the other nodes"
          + " write this node's unwritten deliveries a lease from now", e.getMessage());
      } finally {
        await(vertx.close());
      }
    } finally {
      // What was traced until the end is exported before the node is gone.
      traces.close();
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
