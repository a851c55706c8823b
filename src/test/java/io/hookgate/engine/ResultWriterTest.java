package io.hookgate.engine;

import io.hookgate.catalog.EventAliases;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.hookgate.dialect.Dialects;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.outbound.Exchange;
import io.hookgate.subscription.SecretBox;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.hookgate.support.Receiver.Reply;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.eventually;
import static io.hookgate.support.TestGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The result writer on its own, against a real database: results that arrive together are written by
 * one transaction, and a result whose attempt number no longer follows the row's (the delivery was sent
 * again after its lease ran out) does not move the row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResultWriterTest {
  private static final int DELIVERIES = 60;

  /** Every delivery fails once and would retry only in an hour: rows at one attempt, left alone. */
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
    .put("retry-schedule", new JsonArray().add("0s").add("1h").add("1h"))));
  private Receiver receiver;
  private Pool pool;
  private ResultWriter writer;

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
    receiver.behave(r -> Reply.status(500));
    String token = gw.partnerToken("writer-app");
    gw.subscribe(token, receiver.url(), "order.created");
    for (int i = 0; i < DELIVERIES; i++) {
      gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
    }
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status = 'retrying' AND attempts = 1") == DELIVERIES,
      15_000, "every delivery to fail once");

    pool = Pools.pool(gw.vertx(), gw.database(), "writer-test", 2);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    InFlightLimits limits = new InFlightLimits(1000, 1000);
    SubscriptionStore subscriptions = new SubscriptionStore(
      new SecretBox(Base64.getDecoder().decode(TestGateway.SECRET_ENCRYPTION_KEY)));
    DeliveryStore deliveries = new DeliveryStore();
    writer = new ResultWriter(gw.vertx(), pool,
      new ResultWriter.Stores(deliveries, new AttemptStore(), new StatsStore(), subscriptions),
      new SubscriptionIndex(gw.vertx(), pool, subscriptions,
        Dialects.load(Path.of("conf", "dialects.yaml"), EventAliases.NONE)),
      () -> new HookgateConfig.AutoDisable(1000, Duration.ofDays(5)), new DeliveryMetrics(registry, limits), limits,
      new FanoutLedger("writer-test", 60_000, registry, new EventStore(Duration.ofDays(1)), subscriptions, deliveries),
      Clock.systemUTC());
  }

  @AfterAll
  void stop() {
    receiver.close();
    await(pool.close());
  }

  @Test
  void resultsThatArriveTogetherAreOneTransaction() {
    List<DeliveryJob> jobs = retrying();
    long before = writer.writes();
    for (DeliveryJob job : jobs) {
      writer.record(attempt(job, 2, 200), ResultWriter.Decision.SUCCESS, null);
    }
    await(writer.drain(System.currentTimeMillis() + 10_000));

    assertThat(writer.writes() - before).as("transactions for %d results", jobs.size()).isEqualTo(1);
    UUID[] ids = jobs.stream().map(DeliveryJob::deliveryId).toArray(UUID[]::new);
    assertThat(gw.count("SELECT count(*) FROM deliveries WHERE id = ANY($1) AND status = 'success' AND attempts = 2", (Object) ids))
      .isEqualTo(jobs.size());
    assertThat(gw.count("SELECT count(*) FROM attempts WHERE delivery_id = ANY($1) AND attempt = 2", (Object) ids))
      .isEqualTo(jobs.size());
  }

  @Test
  void aResultOutOfStepWithTheRowDoesNotMoveIt() {
    DeliveryJob job = retrying().get(0);
    // Attempt 3 reported while the row is at attempt 1: another node already sent attempt 2.
    writer.record(attempt(new DeliveryJob(job.deliveryId(), job.eventId(), job.subscriptionId(), job.type(), 2,
      job.body(), job.createdAt()), 3, 500), ResultWriter.Decision.EXHAUSTED, null);
    // Attempt 1 reported again: a stale copy of the first.
    writer.record(attempt(new DeliveryJob(job.deliveryId(), job.eventId(), job.subscriptionId(), job.type(), 0,
      job.body(), job.createdAt()), 1, 500), ResultWriter.Decision.EXHAUSTED, null);
    await(writer.drain(System.currentTimeMillis() + 10_000));

    Row row = gw.query("SELECT status, attempts FROM deliveries WHERE id = $1", job.deliveryId()).iterator().next();
    assertThat(row.getString("status")).isEqualTo("retrying");
    assertThat(row.getInteger("attempts")).isEqualTo(1);

    // The attempt that does follow moves it.
    writer.record(attempt(job, 2, 200), ResultWriter.Decision.SUCCESS, null);
    await(writer.drain(System.currentTimeMillis() + 10_000));
    row = gw.query("SELECT status, attempts FROM deliveries WHERE id = $1", job.deliveryId()).iterator().next();
    assertThat(row.getString("status")).isEqualTo("success");
    assertThat(row.getInteger("attempts")).isEqualTo(2);
  }

  /** Deliveries still retrying after their first attempt, as the jobs of their next one. */
  private List<DeliveryJob> retrying() {
    List<DeliveryJob> jobs = new ArrayList<>();
    gw.query("SELECT d.id, d.event_id, d.subscription_id, e.type, e.body, d.created_at FROM deliveries d JOIN events e"
        + " ON e.id = d.event_id WHERE d.status = 'retrying' AND d.attempts = 1 ORDER BY d.id")
      .forEach(r -> jobs.add(new DeliveryJob(r.getUUID(0), r.getString(1), r.getUUID(2), r.getString(3), 1,
        r.getString(4), r.getOffsetDateTime(5).toInstant())));
    assertThat(jobs).isNotEmpty();
    return jobs;
  }

  private static Attempt attempt(DeliveryJob job, int number, int status) {
    return new Attempt(job, number, new Exchange(OffsetDateTime.now(ZoneOffset.UTC), new JsonObject(), status,
      new JsonObject(), "", 3, status == 200 ? null : "http_" + status, null), null, null);
  }
}
