package io.hookgate.engine;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;

import java.util.List;
import java.util.UUID;

/**
 * What the engine keeps of subscriptions (their deliveries, the deliveries' attempts, their hourly
 * stats), removed with them. These tables carry no foreign keys to subscriptions (a subscription deleted
 * while its events are written must not fail other partners' batches), so whoever deletes subscriptions
 * calls this in the same transaction.
 */
public final class SubscriptionHistory {
  private final DeliveryStore deliveries;
  private final AttemptStore attempts;
  private final StatsStore stats;

  public SubscriptionHistory(DeliveryStore deliveries, AttemptStore attempts, StatsStore stats) {
    this.deliveries = deliveries;
    this.attempts = attempts;
    this.stats = stats;
  }

  public Future<Void> delete(SqlClient sql, List<UUID> subscriptions) {
    if (subscriptions.isEmpty()) {
      return Future.succeededFuture();
    }
    return deliveries.deleteOfSubscriptions(sql, subscriptions)
      .compose(ids -> attempts.deleteOfDeliveries(sql, ids))
      .compose(v -> stats.deleteOfSubscriptions(sql, subscriptions));
  }
}
