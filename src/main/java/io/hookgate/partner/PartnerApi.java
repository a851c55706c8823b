package io.hookgate.partner;

import io.hookgate.application.ApplicationStore;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.config.HookgateConfig;
import io.hookgate.dialect.Dialects;
import io.hookgate.engine.Engine;
import io.hookgate.http.Operations;
import io.hookgate.outbound.Sender;
import io.hookgate.subscription.EndpointPolicy;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * The Partner API's webhooks, as one API verticle serves them: subscriptions, their delivery history,
 * stats, ping and test, registration by category (and the Platform API's support views of the same).
 */
public final class PartnerApi {
  private PartnerApi() {
  }

  /** Binds every webhook operation; {@code sender} is the verticle's own outbound client (ping and test). */
  public static void mount(Operations ops, Vertx vertx, Pool pool, Engine engine, EventCatalog catalog,
                           SubscriptionIndex index, Sender sender, HookgateConfig config, String nodeId,
                           Dialects dialects, ApplicationStore applications) {
    Engine.Stores stores = engine.stores();
    EndpointPolicy endpoints = new EndpointPolicy(engine.resolver(), config.delivery().requireHttps());
    SubscriptionChoices choices = new SubscriptionChoices(dialects, applications);
    new SubscriptionRoutes(vertx, pool, stores.subscriptions(), stores.deliveries(), engine.history(), catalog, index,
      endpoints, config.api(), choices, dialects.aliases()).mount(ops);
    new RegistrationRoutes(pool, stores.subscriptions(), catalog, index, endpoints, dialects).mount(ops);
    new DeliveryRoutes(vertx, pool, stores.deliveries(), stores.events(), stores.attempts(), stores.subscriptions(),
      index, config, nodeId, engine.jobs()).mount(ops);
    new StatsRoutes(pool, stores.subscriptions(), stores.stats()).mount(ops);
    new TestingRoutes(pool, new TestingRoutes.Stores(stores.events(), stores.deliveries(), stores.attempts()),
      stores.subscriptions(), index, catalog, sender, nodeId, dialects.aliases()).mount(ops);
  }
}
