package io.hookgate.engine;

import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.config.LiveConfig;
import io.hookgate.db.Pools;
import io.hookgate.limits.EndpointBreakers;
import io.hookgate.limits.EndpointRateLimits;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.outbound.AddressPolicy;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.hookgate.tracing.Traces;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * A node's delivery engine, assembled once: the tables' owners, the fan-out ledger, the limits, the
 * breakers, the result writer, the scheduler and the dispatchers (one per event loop). The node's
 * composition root starts it and hands the API what ingest and the partner operations use of it.
 */
public final class Engine {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** The engine's tables, each by its owner: built once, shared by every verticle (they hold no state). */
  public record Stores(EventStore events, DeliveryStore deliveries, AttemptStore attempts, StatsStore stats,
                       SubscriptionStore subscriptions) {
  }

  private final Vertx vertx;
  private final HookgateConfig config;
  private final String nodeId;
  private final Stores stores;
  private final Pool pool;
  private final InFlightLimits limits;
  private final EndpointBreakers breakers;
  private final EndpointResolver resolver;
  private final DeliveryMetrics metrics;
  private final FanoutLedger ledger;
  private final ResultWriter writer;
  private final SubscriptionHistory history;
  private String scheduler;
  private String dispatchers;
  private JobSender jobs;

  private Engine(Vertx vertx, HookgateConfig config, String nodeId, Stores stores, Pool pool, InFlightLimits limits,
                 EndpointBreakers breakers, EndpointResolver resolver, DeliveryMetrics metrics, FanoutLedger ledger,
                 ResultWriter writer) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.stores = stores;
    this.pool = pool;
    this.limits = limits;
    this.breakers = breakers;
    this.resolver = resolver;
    this.metrics = metrics;
    this.ledger = ledger;
    this.writer = writer;
    this.history = new SubscriptionHistory(stores.deliveries(), stores.attempts(), stores.stats());
  }

  /**
   * Builds the engine and deploys its scheduler and {@code instances} dispatchers; ready once this node is
   * in the fan-out ledger (it takes no event before it could be recovered).
   */
  public static Future<Engine> start(Vertx vertx, LiveConfig live, String nodeId, Stores stores,
                                     SubscriptionIndex index, Membership membership, MeterRegistry registry,
                                     int instances, Clock clock, Traces traces) {
    HookgateConfig config = live.current();
    HookgateConfig.Delivery d = config.delivery();
    DeliveryJobCodec.register(vertx.eventBus());
    Pool pool = Pools.pool(vertx, config.database(), "engine", 4);
    // A share that grows waits for the attempts started under the old split: at most a request's timeouts.
    InFlightLimits limits = new InFlightLimits(d.maxInFlight(), d.maxInFlightPerEndpoint(), nodeId,
      d.connectTimeoutMs() + d.requestTimeoutMs() + 2 * Membership.POLL_MS);
    EndpointRateLimits rates = new EndpointRateLimits(d.endpointRatePerSecond());
    membership.onMembers(limits::members);
    membership.onMembers(rates::members);
    // The rates partners set on their subscriptions, shared the same way (each subscription's rate is its own).
    EndpointRateLimits subscriptionRates = new EndpointRateLimits(0);
    membership.onMembers(subscriptionRates::members);
    // The shares of the caps come from the members: known before the first job is taken.
    membership.start(vertx);
    DeliveryMetrics metrics = new DeliveryMetrics(registry, limits);
    FanoutLedger ledger = new FanoutLedger(nodeId, d.lease().toMillis(), registry, stores.events(),
      stores.subscriptions(), stores.deliveries());
    EndpointBreakers breakers = new EndpointBreakers(vertx,
      (url, state) -> stores.subscriptions().recordCircuit(pool, url, state), registry, nodeId, d.breaker());
    ParkedDeliveries parked = new ParkedDeliveries(index, breakers,
      () -> live.delivery().breaker().resetTimeout().toMillis(), stores.deliveries());
    breakers.onClosed(parked::drain);
    breakers.onTransition((url, from, to) -> OperationalNotices.breaker(vertx, index, url, from, to));
    ResultWriter writer = new ResultWriter(vertx, Pools.pool(vertx, config.database(), "results", 4),
      new ResultWriter.Stores(stores.deliveries(), stores.attempts(), stores.stats(), stores.subscriptions()),
      index, () -> live.delivery().autoDisable(), metrics, limits, ledger, clock);
    EndpointResolver resolver = new EndpointResolver(vertx, new AddressPolicy(d.allowedPrivateNetworks()));
    Engine engine = new Engine(vertx, config, nodeId, stores, pool, limits, breakers, resolver, metrics, ledger, writer);
    engine.jobs = new JobSender(vertx);
    Dispatcher.Services services = new Dispatcher.Services(nodeId, live, index, breakers, limits, rates,
      subscriptionRates, writer, resolver, metrics, config.cluster().drainTimeout().toMillis(), clock, traces);
    // Tunables reloaded from the config file; the dispatchers, the result writer and the parked deliveries
    // read theirs from the live config where they use them.
    live.onChange(reloaded -> {
      HookgateConfig.Delivery now = reloaded.delivery();
      limits.resize(now.maxInFlight(), now.maxInFlightPerEndpoint());
      rates.rate(now.endpointRatePerSecond());
      breakers.configure(now.breaker());
    });
    return breakers.start()
      .compose(v -> vertx.deployVerticle(() -> new Dispatcher(services, instances),
        new DeploymentOptions().setInstances(instances)))
      .compose(id -> {
        engine.dispatchers = id;
        return vertx.deployVerticle(new Scheduler(config.database(), d, limits, metrics, ledger, parked, membership,
          stores.deliveries(), stores.events(), engine.jobs));
      })
      .map(id -> {
        engine.scheduler = id;
        return engine;
      });
  }

  /**
   * Graceful stop, after the API stopped taking events: no new claims, the dispatchers stop being a target
   * and let their attempts finish, their results are written, this node's unfinished leases are handed
   * back (due now, for the other nodes), and deliveries sent from ingest that still have no row get one.
   */
  public Future<Void> stop() {
    return vertx.undeploy(scheduler)
      .compose(v -> jobs.announceStopping(nodeId))
      .compose(v -> vertx.undeploy(dispatchers))
      .compose(v -> writer.drain(System.currentTimeMillis() + 5_000))
      .compose(v -> stores.deliveries().releaseLeasesOf(pool, nodeId, config.delivery().lease().toMillis()))
      .compose(released -> {
        if (released > 0) {
          LOG.info("Released {} unfinished deliveries for the other nodes", released);
        }
        // Deliveries sent from ingest whose rows were not written (their jobs are on other members, or were
        // never attempted) get them now, due, instead of a lease from now.
        return ledger.close(pool);
      });
  }

  public Stores stores() {
    return stores;
  }

  /** What the engine keeps of subscriptions, for whoever deletes them. */
  public SubscriptionHistory history() {
    return history;
  }

  public FanoutLedger ledger() {
    return ledger;
  }

  /** How delivery jobs are sent to the dispatchers, by ingest, the scheduler and the partners' retries. */
  public JobSender jobs() {
    return jobs;
  }

  public DeliveryMetrics metrics() {
    return metrics;
  }

  public InFlightLimits limits() {
    return limits;
  }

  public EndpointBreakers breakers() {
    return breakers;
  }

  /** The SSRF guard's resolver, shared by the dispatchers and the checks of endpoint URLs. */
  public EndpointResolver resolver() {
    return resolver;
  }
}
