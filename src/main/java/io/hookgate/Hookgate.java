package io.hookgate;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.PartnerRateLimiter;
import io.hookgate.cluster.ClusterSetup;
import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.EmbeddedPostgresServer;
import io.hookgate.db.HostWriteback;
import io.hookgate.db.Housekeeping;
import io.hookgate.db.Migrations;
import io.hookgate.db.Pools;
import io.hookgate.outbound.AddressPolicy;
import io.hookgate.engine.DeliveryJobCodec;
import io.hookgate.engine.DeliveryMetrics;
import io.hookgate.engine.Dispatcher;
import io.hookgate.limits.EndpointBreakers;
import io.hookgate.limits.EndpointRateLimits;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.engine.FanoutLedger;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.engine.Leases;
import io.hookgate.engine.ParkedDeliveries;
import io.hookgate.engine.ResultWriter;
import io.hookgate.engine.Scheduler;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.catalog.EventType;
import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.catalog.EventTypeStore;
import io.hookgate.ingest.IngestWriter;
import io.hookgate.http.ApiContract;
import io.hookgate.http.ConnectionLoss;
import io.hookgate.subscription.SecretBox;
import io.hookgate.subscription.SubscriptionIndex;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running gateway node: database (embedded or external), migrations, Vert.x (clustered or not) with
 * metrics, and the verticles. {@link #start} blocks the calling thread (never an event loop) until the
 * API listens; {@link #close} shuts down gracefully.
 */
public final class Hookgate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hookgate.class);
  private static final long HOUSEKEEPING_PERIOD_MS = TimeUnit.MINUTES.toMillis(10);

  /** The node's shared parts, built once and handed to its verticles. */
  private record Parts(String nodeId, Pool nodePool, SubscriptionIndex index, EndpointBreakers breakers,
                       ResultWriter writer, FanoutLedger ledger, Membership membership, InFlightLimits limits) {
  }

  private final HookgateConfig config;
  private final Vertx vertx;
  private final EmbeddedPostgresServer embedded;
  private final ApiVerticle api;
  private final Parts parts;
  private final List<String> deployments;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private Hookgate(HookgateConfig config, Vertx vertx, EmbeddedPostgresServer embedded, ApiVerticle api, Parts parts,
                   List<String> deployments) {
    this.config = config;
    this.vertx = vertx;
    this.embedded = embedded;
    this.api = api;
    this.parts = parts;
    this.deployments = deployments;
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
        embedded = EmbeddedPostgresServer.start(config.dataDir(), config.database().embeddedPort());
        config = config.withDatabase(embedded.connection(config.database()));
        LOG.info("Embedded PostgreSQL on port {} with data in {}", embedded.port(), config.dataDir().resolve("pg"));
        String writeback = HostWriteback.warning(HostWriteback.settings());
        if (writeback != null) {
          LOG.warn(writeback);
        }
      }
      if (config.security().secretEncryptionKey() == null) {
        config = config.withSecretEncryptionKey(localSecretKey(config.dataDir()));
      }
      int applied = Migrations.apply(config.database());
      LOG.info("Database schema ready ({} migration(s) applied now)", applied);

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      HazelcastClusterManager clusterManager = config.cluster().enabled()
        ? ClusterSetup.clusterManager(config.cluster()) : null;
      vertx = buildVertx(config, registry, clusterManager);
      DeliveryJobCodec.register(vertx.eventBus());
      seedEventTypes(vertx, config);

      String nodeId = clusterManager != null ? clusterManager.getNodeId() : UUID.randomUUID().toString();
      SecretBox secrets = new SecretBox(config.security().secretEncryptionKey());
      Pool nodePool = Pools.pool(vertx, config.database(), "node", 4);
      SubscriptionIndex index = new SubscriptionIndex(vertx, nodePool, secrets);
      await(index.start());
      HookgateConfig.Delivery d = config.delivery();
      // A share that grows waits for the attempts started under the old split: at most a request's timeouts.
      InFlightLimits limits = new InFlightLimits(d.maxInFlight(), d.maxInFlightPerEndpoint(), nodeId,
        d.connectTimeoutMs() + d.requestTimeoutMs() + 2 * Membership.POLL_MS);
      EndpointRateLimits rates = new EndpointRateLimits(d.endpointRatePerSecond());
      Membership membership = new Membership(nodeId, clusterManager, List.of(limits::members, rates::members));
      membership.start(vertx);
      FanoutLedger ledger = new FanoutLedger(nodeId, d.lease().toMillis(), registry);
      DeliveryMetrics metrics = new DeliveryMetrics(registry, limits);
      EndpointBreakers breakers = new EndpointBreakers(vertx, nodePool, registry, nodeId, d.breaker());
      await(breakers.start());
      ParkedDeliveries parked = new ParkedDeliveries(index, breakers, d.breaker().resetTimeout().toMillis());
      breakers.onClosed(parked::drain);
      ResultWriter writer = new ResultWriter(vertx, Pools.pool(vertx, config.database(), "results", 4), index,
        d.autoDisable(), metrics, limits, ledger);
      EndpointResolver resolver = new EndpointResolver(vertx, new AddressPolicy(d.allowedPrivateNetworks()));
      Parts parts = new Parts(nodeId, nodePool, index, breakers, writer, ledger, membership, limits);

      int instances = config.http().effectiveInstances();
      Dispatcher.Services services = new Dispatcher.Services(nodeId, d, index, breakers, limits, rates, writer, resolver, metrics,
        config.cluster().drainTimeout().toMillis());
      String dispatchers = await(vertx.deployVerticle(() -> new Dispatcher(services, instances),
        new DeploymentOptions().setInstances(instances)));
      String scheduler = await(vertx.deployVerticle(new Scheduler(config.database(), d, limits, metrics, ledger, parked, membership)));

      ApiVerticle.Shared shared = new ApiVerticle.Shared(nodeId, config, ApiContract.load(), registry,
        new PartnerRateLimiter(config.api().partnerRatePerSecond(), config.api().partnerRateBurst()), secrets, index,
        new EventCatalog(new EventTypeStore(nodePool)), resolver, metrics, membership, limits, ledger);
      List<IngestWriter> ingest = sharedIngestWriters(vertx, config, ledger, metrics, limits);
      AtomicInteger apiInstance = new AtomicInteger();
      AtomicReference<ApiVerticle> first = new AtomicReference<>();
      String apiDeployment = await(vertx.deployVerticle(() -> {
        ApiVerticle verticle = new ApiVerticle(shared,
          ingest.isEmpty() ? null : ingest.get(apiInstance.getAndIncrement() % ingest.size()));
        first.compareAndSet(null, verticle);
        return verticle;
      }, new DeploymentOptions().setInstances(instances)));

      // Stopped in this order: no new events, no new claims, attempts in flight drain.
      Hookgate gateway = new Hookgate(config, vertx, embedded, first.get(), parts,
        List.of(apiDeployment, scheduler, dispatchers));
      Housekeeping.schedule(vertx, Pools.pool(vertx, config.database(), "housekeeping", 1), HOUSEKEEPING_PERIOD_MS);
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
      throw e;
    }
  }

  /**
   * {@code ingest.writers} group-commit writers, each on an event loop of its own, that the API verticles
   * share; none (the default) when each API verticle writes its own events on its own loop.
   */
  private static List<IngestWriter> sharedIngestWriters(Vertx vertx, HookgateConfig config, FanoutLedger ledger,
                                                        DeliveryMetrics metrics, InFlightLimits limits) {
    List<IngestWriter> writers = new ArrayList<>();
    if (config.ingest().writers() > 0) {
      Pool pool = Pools.pool(vertx, config.database(), "ingest", 2 * config.ingest().writers());
      for (int i = 0; i < config.ingest().writers(); i++) {
        // A context of no deployment: it outlives the API verticles' undeployment at shutdown, so the writes
        // they handed over still commit and dispatch.
        writers.add(new IngestWriter(vertx, ((VertxInternal) vertx).createEventLoopContext(), pool, ledger,
          config.ingest().commitWaitMs(), metrics, limits));
      }
    }
    return writers;
  }

  private static Vertx buildVertx(HookgateConfig config, PrometheusMeterRegistry registry,
                                  HazelcastClusterManager clusterManager) {
    VertxOptions options = new VertxOptions()
      .setPreferNativeTransport(true)
      .setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        // Outbound webhooks are measured by Hookgate's own meters (attempt duration, outcomes, breaker state);
        // Vert.x's per-request client meters (a registry lookup per request event) were ~3 % of the node's CPU.
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

  public int port() {
    return api.port();
  }

  public HookgateConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return parts.nodeId();
  }

  /** This node's view of the subscriptions. */
  public SubscriptionIndex subscriptions() {
    return parts.index();
  }

  public EndpointBreakers breakers() {
    return parts.breakers();
  }

  /** This node's in-flight bounds and its share of each endpoint's cap. */
  public InFlightLimits limits() {
    return parts.limits();
  }

  public Membership membership() {
    return parts.membership();
  }

  /** The HTTP routes the API serves ("METHOD /path"). */
  public Set<String> routes() {
    return api.routes();
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

  /**
   * Graceful shutdown, blocking (call off the event loop): stop taking events, stop claiming and
   * taking delivery jobs, let attempts in flight finish and their results be written, hand this node's
   * unfinished leases back (due now, for the other nodes), then leave the cluster and stop; the
   * embedded database last.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      try {
        for (String deployment : deployments) {
          await(vertx.undeploy(deployment));
        }
        await(parts.writer().drain(System.currentTimeMillis() + 5_000));
        int released = await(Leases.releaseOwn(parts.nodePool(), parts.nodeId(), config.delivery().lease().toMillis()));
        if (released > 0) {
          LOG.info("Released {} unfinished deliveries for the other nodes", released);
        }
        // Deliveries sent from ingest whose rows were not written (their jobs are on other members, or were
        // never attempted) get them now, due, instead of a lease from now.
        await(parts.ledger().close(parts.nodePool()));
      } catch (RuntimeException e) {
        LOG.warn("Graceful shutdown was cut short ({}); unfinished leases will expire instead, and the other nodes"
          + " write this node's unwritten deliveries a lease from now", e.getMessage());
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
