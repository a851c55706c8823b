package io.hookgate.engine;

import io.hookgate.catalog.HookgateEvents;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the engine tells the operational webhooks once a batch of results is committed: subscriptions it
 * disabled ({@code endpoint.disabled}), subscriptions whose health went to error ({@code endpoint.failing}),
 * deliveries that used their last retry ({@code delivery.exhausted}). A delivery of one of Hookgate's own
 * events that is exhausted is not reported: an operations endpoint that is down would otherwise be sent a
 * report of its own failure, and fail again, without end.
 */
final class OperationalNotices {
  private OperationalNotices() {
  }

  /**
   * A breaker this node moved: opened from closed ({@code endpoint.breaker_opened}; re-opening after a failed
   * probe is the same outage, not news), or closed ({@code endpoint.breaker_closed}), for every subscription
   * that delivers to the endpoint.
   */
  static void breaker(Vertx vertx, SubscriptionIndex index, String url, String from, String to) {
    String type = to.equals("open") && from.equals("closed") ? HookgateEvents.BREAKER_OPENED
      : to.equals("closed") && !from.equals("closed") ? HookgateEvents.BREAKER_CLOSED : null;
    if (type != null) {
      index.idsWithUrl(url).forEach(id -> HookgateEvents.emit(vertx, type, id, new JsonObject().put("breaker_state", to)));
    }
  }

  static void written(Vertx vertx, List<ResultWriter.Recorded> recorded, ResultWriter.Written written) {
    written.disabled().forEach(d -> HookgateEvents.emit(vertx, HookgateEvents.ENDPOINT_DISABLED, d.id(),
      new JsonObject().put("reason", d.reason()).put("disabled_by", "hookgate")));
    if (!written.failing().isEmpty()) {
      Map<UUID, String> lastFailure = new HashMap<>();
      recorded.forEach(r -> {
        if (!r.attempt().succeeded()) {
          lastFailure.put(r.job().subscriptionId(), r.attempt().failureReason());
        }
      });
      written.failing().forEach(id -> HookgateEvents.emit(vertx, HookgateEvents.ENDPOINT_FAILING, id,
        new JsonObject().put("health_status", "error").put("last_failure_reason", lastFailure.get(id))));
    }
    for (ResultWriter.Recorded r : recorded) {
      if (r.decision() == ResultWriter.Decision.EXHAUSTED && !HookgateEvents.isOwn(r.job().type())) {
        Attempt a = r.attempt();
        HookgateEvents.emit(vertx, HookgateEvents.DELIVERY_EXHAUSTED, r.job().subscriptionId(), new JsonObject()
          .put("delivery_id", r.job().deliveryId().toString())
          .put("event_id", r.job().eventId())
          .put("event_type", r.job().type())
          .put("attempts", a.number())
          .put("last_status_code", a.status())
          .put("last_failure_reason", a.failureReason()));
      }
    }
  }
}
