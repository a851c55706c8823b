package io.hookgate;

import io.hookgate.application.ApplicationRoutes;
import io.hookgate.application.ApplicationStore;
import io.hookgate.application.OAuthRoutes;
import io.hookgate.auth.AdminAuth;
import io.hookgate.auth.PartnerAuth;
import io.hookgate.auth.PartnerRateLimiter;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.catalog.EventTypeRoutes;
import io.hookgate.catalog.EventTypeStore;
import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.config.LiveConfig;
import io.hookgate.db.Pools;
import io.hookgate.dialect.Dialects;
import io.hookgate.engine.Engine;
import io.hookgate.http.ApiContract;
import io.hookgate.http.Edge;
import io.hookgate.http.Failures;
import io.hookgate.http.Operations;
import io.hookgate.ingest.EventRoutes;
import io.hookgate.ingest.IngestWriter;
import io.hookgate.ops.OpsRoutes;
import io.hookgate.outbound.Sender;
import io.hookgate.partner.PartnerApi;
import io.hookgate.retention.ErasureRoutes;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.tracing.Traces;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.SecurityRequirement;
import io.vertx.sqlclient.Pool;

/**
 * The node's HTTP API as each API verticle serves it: the Platform API, the Partner API and the ops
 * endpoints, bound to the operations of {@code openapi.yaml}. Built once by the composition root from
 * the node's parts; {@link #serve} builds what one verticle needs on its own event loop (its router, its
 * group-commit writer, its outbound client) and shares the rest.
 */
final class Api {
  private static final String PLATFORM_KEY = "platformKey";
  private static final String PARTNER_TOKEN = "partnerToken";

  /** What one API verticle serves, and what it closes when it stops. */
  record Served(Router router, Edge edge, IngestWriter ingest, Sender sender, Pool pool) {
  }

  private final String nodeId;
  private final LiveConfig live;
  /** The settings that need a restart; the live ones are read from {@link #live} where they are used. */
  private final HookgateConfig config;
  private final ApiContract contract;
  private final PrometheusMeterRegistry registry;
  private final Membership membership;
  private final Engine engine;
  private final SubscriptionIndex index;
  private final ApplicationStore applications;
  private final EventTypeStore eventTypes;
  private final EventCatalog catalog;
  private final Dialects dialects;
  private final PartnerRateLimiter rateLimiter;
  private final Traces traces;

  Api(String nodeId, LiveConfig live, ApiContract contract, PrometheusMeterRegistry registry,
      Membership membership, Engine engine, SubscriptionIndex index, ApplicationStore applications,
      EventTypeStore eventTypes, EventCatalog catalog, Traces traces, Dialects dialects) {
    this.traces = traces;
    this.nodeId = nodeId;
    this.live = live;
    this.config = live.current();
    this.contract = contract;
    this.registry = registry;
    this.membership = membership;
    this.engine = engine;
    this.index = index;
    this.applications = applications;
    this.eventTypes = eventTypes;
    this.catalog = catalog;
    this.dialects = dialects;
    this.rateLimiter = new PartnerRateLimiter(config.api().partnerRatePerSecond(), config.api().partnerRateBurst());
    live.onChange(reloaded -> rateLimiter.rates(reloaded.api().partnerRatePerSecond(), reloaded.api().partnerRateBurst()));
  }

  /** What one API verticle serves, built on its event loop. */
  Future<Served> serve(Vertx vertx) {
    return OpenAPIContract.from(vertx, contract.forValidation().copy()).map(openApi -> {
      Pool pool = Pools.pool(vertx, config.database(), "api");
      Sender sender = new Sender(vertx, live::delivery, engine.resolver());
      Engine.Stores stores = engine.stores();
      IngestWriter ingest = new IngestWriter(vertx, pool, stores.events(), stores.deliveries(), engine.ledger(),
        engine.jobs(), config.ingest().commitWaitMs(), engine.metrics(), engine.limits());
      Edge edge = new Edge(vertx, config.http().readTimeout().toMillis(), config.http().requestTimeout().toMillis());
      AdminAuth admin = new AdminAuth(config.adminKey());
      PartnerAuth partner = new PartnerAuth(token -> applications.findToken(pool, token), rateLimiter);

      RouterBuilder builder = RouterBuilder.create(vertx, openApi, RequestExtractor.withBodyHandler()).rootHandler(edge);
      Operations ops = new Operations(vertx, builder, openApi, operation -> guard(operation, admin, partner),
        config.http().bodyLimitBytes());
      new OpsRoutes(pool, registry, contract.text(), membership, live).mount(ops);
      new ApplicationRoutes(pool, applications, stores.subscriptions(), engine.history(), index, config.api(), dialects)
        .mount(ops);
      new OAuthRoutes(pool, applications, config.security().tokenTtlSeconds()).mount(ops);
      new EventTypeRoutes(pool, eventTypes, catalog, dialects.aliases()).mount(ops);
      new EventRoutes(catalog, index, ingest, pool, stores.events(), stores.deliveries(), config.ingest(), traces)
        .mount(ops);
      PartnerApi.mount(ops, vertx, pool, engine, catalog, index, sender, config, nodeId, dialects, applications);
      new ErasureRoutes(pool).mount(ops);
      ops.checkComplete();

      Router router = builder.createRouter();
      Failures failures = new Failures(config.http().bodyLimitBytes());
      router.route().failureHandler(failures);
      router.errorHandler(404, failures);
      router.errorHandler(405, failures);
      return new Served(router, edge, ingest, sender, pool);
    });
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
}
