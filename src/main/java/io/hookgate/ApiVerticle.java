package io.hookgate;

import io.hookgate.http.Operations;
import io.hookgate.http.Failures;
import io.hookgate.http.Edge;
import io.hookgate.http.ApiContract;
import io.hookgate.application.ApplicationRoutes;
import io.hookgate.application.ApplicationStore;
import io.hookgate.auth.AdminAuth;
import io.hookgate.application.OAuthRoutes;
import io.hookgate.auth.PartnerAuth;
import io.hookgate.auth.PartnerRateLimiter;
import io.hookgate.application.TokenStore;
import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.hookgate.partner.DeliveryHistory;
import io.hookgate.engine.DeliveryMetrics;
import io.hookgate.partner.DeliveryRoutes;
import io.hookgate.engine.FanoutLedger;
import io.hookgate.outbound.Sender;
import io.hookgate.partner.StatsRoutes;
import io.hookgate.partner.TestingRoutes;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.ingest.EventRoutes;
import io.hookgate.catalog.EventTypeRoutes;
import io.hookgate.ingest.IngestWriter;
import io.hookgate.catalog.EventTypeStore;
import io.hookgate.ops.OpsRoutes;
import io.hookgate.subscription.EndpointPolicy;
import io.hookgate.subscription.SecretBox;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.partner.SubscriptionRoutes;
import io.hookgate.subscription.SubscriptionStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.SecurityRequirement;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.sqlclient.Pool;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Serves the Platform API, the Partner API and the ops endpoints; one instance per core. Routes come
 * from {@code openapi.yaml} (see {@link Operations}); requests are validated against it before they
 * reach a handler.
 */
public final class ApiVerticle extends VerticleBase {
  /** What all API verticles of a node share. */
  public record Shared(String nodeId, HookgateConfig config, ApiContract contract, PrometheusMeterRegistry registry,
                       PartnerRateLimiter rateLimiter, SecretBox secrets, SubscriptionIndex index, EventCatalog catalog,
                       EndpointResolver resolver, DeliveryMetrics metrics, Membership membership,
                       InFlightLimits limits, FanoutLedger ledger) {
  }

  private final Shared shared;
  /** The node's shared group-commit writer this verticle hands its events to, or null for one of its own. */
  private final IngestWriter sharedIngest;
  private Pool pool;
  private Sender sender;
  private HttpServer server;
  private Router router;
  private Edge edge;
  private IngestWriter ingestWriter;
  private static final String PLATFORM_KEY = "platformKey";
  private static final String PARTNER_TOKEN = "partnerToken";

  /** {@code sharedIngest}: a group-commit writer shared with the other API verticles, or null for one of its own. */
  public ApiVerticle(Shared shared, IngestWriter sharedIngest) {
    this.shared = shared;
    this.sharedIngest = sharedIngest;
  }

  @Override
  public Future<?> start() {
    HookgateConfig config = shared.config();
    pool = Pools.pool(vertx, config.database(), "api");
    edge = new Edge(vertx, config.http().readTimeout().toMillis(), config.http().requestTimeout().toMillis());
    return OpenAPIContract.from(vertx, shared.contract().forValidation().copy())
      .map(this::router)
      .compose(built -> {
        router = built;
        server = vertx.createHttpServer(new HttpServerOptions()
          .setHost(config.http().host())
          .setIdleTimeout((int) config.http().idleTimeout().toSeconds())
          // HTTP/1.1 only: with cleartext HTTP/2 on, Vert.x makes a connection known only once a first request's
          // headers are complete (it looks for an upgrade), and a caller trickling them would go unseen.
          .setHttp2ClearTextEnabled(false)
          .setCompressionSupported(true));
        edge.install(server);
        // Port 0 asks for any free port; Vert.x gives each server its own then, and a negative port one free
        // port shared by every verticle that asks with it, so that all of this node's API verticles serve it.
        int port = config.http().port();
        return server.requestHandler(router).listen(port == 0 ? -1 : port, config.http().host());
      });
  }

  /** The routes this verticle serves, as "METHOD /path" with Vert.x-style {@code :param}s. */
  public Set<String> routes() {
    Set<String> routes = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(method -> routes.add(method.name() + " " + route.getPath()));
      }
    }
    return routes;
  }

  /** The actual port, also when the configured one was 0. */
  public int port() {
    return server.actualPort();
  }

  private Router router(OpenAPIContract contract) {
    HookgateConfig config = shared.config();
    TokenStore tokens = new TokenStore(pool);
    ApplicationStore applications = new ApplicationStore(pool);
    EventTypeStore eventTypes = new EventTypeStore(pool);
    SubscriptionStore subscriptions = new SubscriptionStore(pool, shared.secrets());
    IngestWriter ingest = sharedIngest != null ? sharedIngest : new IngestWriter(vertx, context, pool, shared.ledger(),
      config.ingest().commitWaitMs(), shared.metrics(), shared.limits());
    ingestWriter = ingest;
    AdminAuth admin = new AdminAuth(config.adminKey());
    PartnerAuth partner = new PartnerAuth(tokens, shared.rateLimiter());
    sender = new Sender(vertx, config.delivery(), shared.resolver());

    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler())
      .rootHandler(edge);
    Operations ops = new Operations(vertx, builder, contract, operation -> guard(operation, admin, partner),
      config.http().bodyLimitBytes());
    new OpsRoutes(pool, shared.registry(), shared.contract().text(), shared.membership()).mount(ops);
    new ApplicationRoutes(applications, shared.index(), config.api()).mount(ops);
    new EventTypeRoutes(eventTypes, shared.catalog()).mount(ops);
    new EventRoutes(shared.catalog(), shared.index(), ingest, pool, config.ingest()).mount(ops);
    new OAuthRoutes(applications, tokens, config.security().tokenTtlSeconds()).mount(ops);
    new SubscriptionRoutes(subscriptions, shared.catalog(), shared.index(),
      new EndpointPolicy(shared.resolver(), config.delivery().requireHttps()), config.api())
      .mount(ops);
    new DeliveryRoutes(vertx, new DeliveryHistory(pool), subscriptions, shared.index(), config, shared.nodeId())
      .mount(ops);
    new StatsRoutes(pool, subscriptions).mount(ops);
    new TestingRoutes(pool, subscriptions, shared.index(), shared.catalog(), sender, shared.nodeId()).mount(ops);
    ops.checkComplete();

    Router router = builder.createRouter();
    Failures failures = new Failures(config.http().bodyLimitBytes());
    router.route().failureHandler(failures);
    router.errorHandler(404, failures);
    router.errorHandler(405, failures);
    return router;
  }

  /**
   * Who may call an operation, from the document's {@code security}: the platform key, or a partner
   * token with every scope listed; null for operations open to all (ops endpoints, the token endpoint).
   */
  private static Handler<RoutingContext> guard(Operation operation, AdminAuth admin, PartnerAuth partner) {
    for (SecurityRequirement requirement : operation.getSecurityRequirements()) {
      if (requirement.getNames().contains(PLATFORM_KEY)) {
        return admin;
      }
      if (requirement.getNames().contains(PARTNER_TOKEN)) {
        return partner.requiring(requirement.getScopes(PARTNER_TOKEN));
      }
    }
    return null;
  }

  /**
   * Graceful stop: take no new connections, let the requests in flight finish (their events are
   * committed and answered), then close the pool; a request that cannot be served any more is answered
   * 503 by the failure handler rather than failing on a closed pool.
   */
  @Override
  public Future<?> stop() {
    Future<Void> drained = server == null ? Future.succeededFuture()
      : server.shutdown(shared.config().http().requestTimeout().toSeconds(), TimeUnit.SECONDS)
        .andThen(done -> edge.uninstall());
    return drained
      .compose(v -> ingestWriter == null ? Future.succeededFuture() : ingestWriter.idle())
      .eventually(() -> Future.join(pool == null ? Future.succeededFuture() : pool.close(),
        sender == null ? Future.succeededFuture() : sender.close()));
  }
}
