package io.hookgate.operational;

import io.hookgate.catalog.HookgateEvents;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.hookgate.engine.Engine;
import io.hookgate.ingest.IngestWriter;
import io.hookgate.ingest.NewEvent;
import io.hookgate.logging.LogFields;
import io.hookgate.subscription.SubscriptionIndex;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Turns what the node notices about its endpoints ({@link HookgateEvents#emit}: a subscription disabled or
 * enabled, a breaker opened or closed, health gone to error, a delivery exhausted) into events, stored and
 * fanned out by the same group-commit writer as the platform's, so they are delivered, signed, retried and
 * recorded like any webhook. Each event goes to the subscriptions of the endpoint's own application and of
 * the platform ({@link HookgateEvents#PLATFORM_APPLICATION}) that chose its type.
 *
 * <p>A notice is sent once, after what it reports was committed; a node that dies in between loses the
 * notice, not what it reports (the subscription's status and health, the delivery's row).
 *
 * <p>One instance per node; its writer and pool are confined to its event loop.
 */
public final class OperationalEvents extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(OperationalEvents.class);

  private final HookgateConfig config;
  private final Engine engine;
  private final SubscriptionIndex index;
  private final MeterRegistry registry;
  private Pool pool;
  private IngestWriter writer;
  private MessageConsumer<JsonObject> consumer;

  public OperationalEvents(HookgateConfig config, Engine engine, SubscriptionIndex index, MeterRegistry registry) {
    this.config = config;
    this.engine = engine;
    this.index = index;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    pool = Pools.pool(vertx, config.database(), "operational", 2);
    Engine.Stores stores = engine.stores();
    writer = new IngestWriter(vertx, pool, stores.events(), stores.deliveries(), engine.ledger(), engine.jobs(),
      config.ingest().commitWaitMs(), engine.metrics(), engine.limits());
    consumer = vertx.eventBus().localConsumer(HookgateEvents.ADDRESS, this::noticed);
    return consumer.completion();
  }

  private void noticed(Message<JsonObject> message) {
    JsonObject notice = message.body();
    String type = notice.getString("type");
    UUID webhookId = UUID.fromString(notice.getString("webhook_id"));
    index.lookup(webhookId).compose(target -> {
      Set<UUID> audience = target == null ? Set.of()
        : Set.of(target.applicationId(), HookgateEvents.PLATFORM_APPLICATION);
      if (target == null || index.match(type, null, null, audience).isEmpty()) {
        // Deleted meanwhile, or no one subscribed to hear it: an event nobody receives is not stored.
        return Future.succeededFuture();
      }
      JsonObject data = new JsonObject()
        .put("webhook_id", webhookId.toString())
        .put("application_id", target.applicationId().toString())
        .put("url", target.url())
        .mergeIn(notice.getJsonObject("data", new JsonObject()));
      NewEvent event = NewEvent.own(type, data, audience);
      return writer.write(List.of(event), index, IngestWriter.Origin.NONE).onSuccess(written -> Counter.builder("hookgate_operational_events")
        .description("Operational events Hookgate emitted about its endpoints, by type")
        .tag("type", type).register(registry).increment());
    }).onFailure(e -> {
      try (LogFields fields = LogFields.of(LogFields.SUBSCRIPTION_ID, webhookId)) {
        LOG.warn("The operational event {} about subscription {} could not be stored: {}", type, webhookId,
          e.getMessage());
      }
    });
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().compose(v -> writer.idle()).eventually(() -> pool.close());
  }
}
