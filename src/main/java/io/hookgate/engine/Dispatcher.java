package io.hookgate.engine;

import io.hookgate.config.HookgateConfig;
import io.hookgate.config.LiveConfig;
import io.hookgate.limits.EndpointBreakers;
import io.hookgate.limits.EndpointRateLimits;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.logging.LogFields;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.outbound.Sender;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.tracing.Traces;
import io.opentelemetry.api.trace.Span;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consumes delivery jobs from {@value DeliveryJob#ADDRESS} (point-to-point: in a cluster every node
 * takes a share) and makes one attempt per job: subscription state, in-flight bounds and the
 * endpoint's breaker first, then sign, resolve (SSRF guard), POST with timeouts, and hand the outcome
 * to the {@link ResultWriter}. Never blocks its event loop.
 */
final class Dispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /**
   * Everything a dispatcher shares with the other verticles of its node.
   *
   * @param subscriptionRates the rates partners set on their own subscriptions, keyed by subscription id
   */
  record Services(String nodeId, LiveConfig live, SubscriptionIndex index,
                  EndpointBreakers breakers, InFlightLimits limits, EndpointRateLimits rates,
                  EndpointRateLimits subscriptionRates, ResultWriter writer,
                  EndpointResolver resolver, DeliveryMetrics metrics, long drainTimeoutMs, Clock clock,
                  Traces traces) {
  }

  /** Marks a job handed over by another member that had no share of its endpoint: it is not handed on again. */
  private static final String FORWARDED = "hookgate-forwarded";
  /** A stopping node hands back the jobs that still reach it until none has for this long (or {@link #HAND_BACK_MAX_MS}). */
  private static final long HAND_BACK_QUIET_MS = 1_000;
  private static final long HAND_BACK_MAX_MS = 5_000;

  private static final class EndpointFailed extends RuntimeException {
    final Attempt attempt;

    EndpointFailed(Attempt attempt) {
      super(attempt.failureReason(), null, false, false);
      this.attempt = attempt;
    }
  }

  private final Services services;
  /** The retry schedule of the delivery settings it was built from; rebuilt when a reload replaces them. */
  private RetrySchedule schedule;
  private HookgateConfig.Delivery scheduleOf;
  private final Clock clock;
  private Sender sender;
  private MessageConsumer<DeliveryJob> consumer;
  private MessageConsumer<DeliveryJob> nodeConsumer;
  /** Attempts this verticle has started and not finished; confined to its event loop. */
  private int inFlight;
  private static final long MAX_WAIT_MS = 5_000;
  private static final long FORWARD_TIMEOUT_MS = 2_000;
  private record Waiting(DeliveryJob job, SubscriptionIndex.Target target, long since) {
  }
  /** Jobs waiting for an in-flight slot of their endpoint, per endpoint; confined to the event loop. */
  private final Map<String, ArrayDeque<Waiting>> waiting = new HashMap<>();
  private int waitingCount;
  private final int maxWaiting;

  Dispatcher(Services services, int instances) {
    this.maxWaiting = Math.max(1, services.live().delivery().maxQueued() / Math.max(1, instances));
    this.services = services;
    this.clock = services.clock();
  }

  @Override
  public Future<?> start() {
    sender = new Sender(vertx, services.live()::delivery, services.resolver());
    consumer = vertx.eventBus().consumer(DeliveryJob.ADDRESS, this::handle);
    nodeConsumer = vertx.eventBus().consumer(nodeAddress(services.nodeId()), this::handle);
    // Slots held by other verticles of the node free up without an event here: look again often.
    vertx.setPeriodic(50, id -> List.copyOf(waiting.keySet()).forEach(this::startWaiting));
    return Future.all(consumer.completion(), nodeConsumer.completion());
  }

  /** The address that reaches the dispatchers of one node only. */
  static String nodeAddress(String nodeId) {
    return DeliveryJob.ADDRESS + "." + nodeId;
  }

  /**
   * Graceful stop. First this node stops being a target: its consumers leave the cluster's registry (the
   * other members were told first, and send jobs as requests that come back to them when no handler is
   * left here: {@link JobSender}), while a consumer of this node alone catches the jobs this node's own
   * senders still send, and hands them back to PostgreSQL, due now, for the nodes that stay.
   * Then the attempts in flight finish (up to the drain timeout) so their results are recorded, and the
   * client closes.
   */
  @Override
  public Future<?> stop() {
    long deadline = clock.millis() + services.drainTimeoutMs();
    long[] lastArrival = {clock.millis()};
    Handler<Message<DeliveryJob>> handBack = message -> {
      lastArrival[0] = clock.millis();
      acknowledge(message);
      services.writer().postpone(message.body(), clock.instant());
    };
    MessageConsumer<DeliveryJob> catcher = vertx.eventBus().localConsumer(DeliveryJob.ADDRESS, handBack);
    MessageConsumer<DeliveryJob> nodeCatcher = vertx.eventBus().localConsumer(nodeAddress(services.nodeId()), handBack);
    return Future.all(catcher.completion(), nodeCatcher.completion())
      .compose(v -> Future.all(consumer.unregister(), nodeConsumer.unregister()))
      .compose(v -> quiet(lastArrival, clock.millis() + HAND_BACK_MAX_MS))
      .compose(v -> Future.all(catcher.unregister(), nodeCatcher.unregister()))
      .compose(v -> {
        // Jobs still waiting for a slot go back to PostgreSQL, due now, for whichever node is left.
        waiting.values().forEach(queue -> queue.forEach(w -> services.writer().postpone(w.job(), clock.instant())));
        waiting.clear();
        waitingCount = 0;
        return drained(deadline);
      }).eventually(() -> sender.close());
  }

  /** Completes once no job has arrived for {@link #HAND_BACK_QUIET_MS}, or at {@code until}. */
  private Future<Void> quiet(long[] lastArrival, long until) {
    long now = clock.millis();
    if (now - lastArrival[0] >= HAND_BACK_QUIET_MS || now >= until) {
      return Future.succeededFuture();
    }
    return vertx.timer(100).compose(v -> quiet(lastArrival, until));
  }

  private Future<Void> drained(long deadline) {
    if (inFlight == 0 || clock.millis() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(50).compose(v -> drained(deadline));
  }

  private void handle(Message<DeliveryJob> message) {
    DeliveryJob job = message.body();
    boolean forwarded = acknowledge(message);
    services.index().lookup(job.subscriptionId())
      // Held or skipped only on the database's word: the index may not have heard of a resume yet.
      .compose(t -> t == null || t.status() == Subscription.Status.ACTIVE ? Future.succeededFuture(t)
        : services.index().fresh(job.subscriptionId()))
      .onComplete(found -> {
        if (found.succeeded()) {
          attempt(job, found.result(), forwarded);
        } else {
          // Cannot tell what the subscription is: leave the delivery to its lease.
          try (LogFields fields = job.logFields()) {
            LOG.warn("Looking up subscription {} failed: {}", job.subscriptionId(), found.cause().getMessage());
          }
        }
      });
  }

  /**
   * A job sent as a request (forwarded by another member, or sent while a member stops: {@link JobSender}) is
   * acknowledged, so its sender learns it arrived; whether it was forwarded.
   */
  private static boolean acknowledge(Message<DeliveryJob> message) {
    if (message.replyAddress() != null) {
      message.reply(null);
    }
    return message.headers().contains(FORWARDED);
  }

  /**
   * This node holds no share of the endpoint's cap (the cap is smaller than the cluster, or this node has
   * just joined): the job goes to a member that holds one. If none is known or it cannot be reached, the
   * job waits here like any other that found its endpoint at the cap.
   */
  private void forward(DeliveryJob job, SubscriptionIndex.Target target, String url) {
    String holder = services.limits().holderOf(url);
    if (holder == null) {
      wait(job, target, url);
      return;
    }
    vertx.eventBus().request(nodeAddress(holder), job, new DeliveryOptions().addHeader(FORWARDED, "1")
        .setSendTimeout(FORWARD_TIMEOUT_MS))
      .onFailure(e -> wait(job, target, url));
  }

  private void attempt(DeliveryJob job, SubscriptionIndex.Target target, boolean forwarded) {
    ResultWriter writer = services.writer();
    if (target == null) {
      writer.skip(job, "subscription_deleted");
      return;
    }
    String url = target.url();
    boolean open = breakerOpen(url);
    // The rate limit is asked (and a token taken) only when the status and breaker let the job through.
    boolean statusAllows = target.status() == Subscription.Status.ACTIVE;
    long rateDelay = statusAllows && !open ? rateDelay(target, url) : 0;
    switch (DispatchRules.admit(target.status(), open, rateDelay, forwarded, services.limits().maxPerEndpoint(url) > 0)) {
      case SKIP_DELETED -> writer.skip(job, "subscription_deleted");
      case HOLD -> writer.hold(job);
      case SKIP_DISABLED -> writer.skip(job, "subscription_disabled");
      case PARK -> writer.park(job);
      case POSTPONE_FOR_RATE -> writer.postpone(job,
        clock.instant().plusMillis(rateDelay + ThreadLocalRandom.current().nextLong(100)));
      case FORWARD -> forward(job, target, url);
      case TAKE_SLOT -> {
        if (services.limits().tryAcquire(url)) {
          start(job, target, url);
        } else {
          wait(job, target, url);
        }
      }
    }
  }

  /**
   * The subscription's own rate first, then the endpoint's: a job the subscription's rate holds back takes
   * no token of the endpoint's, which its other subscriptions may use.
   */
  private long rateDelay(SubscriptionIndex.Target target, String url) {
    Integer own = target.rateLimitPerSecond();
    long delay = own == null ? 0 : services.subscriptionRates().delayMs(target.id().toString(), own);
    return delay > 0 ? delay : services.rates().delayMs(url);
  }

  private boolean breakerOpen(String url) {
    return services.breakers().state(url) == CircuitBreakerState.OPEN;
  }

  /** Holds the attempt's in-flight slot (already acquired) until it is done, then lets a waiting job go. */
  private void start(DeliveryJob job, SubscriptionIndex.Target target, String url) {
    ResultWriter writer = services.writer();
    inFlight++;
    services.breakers().<Attempt>execute(url, () -> send(job, target)
        .compose(a -> a.endpointFailure() ? Future.failedFuture(new EndpointFailed(a)) : Future.succeededFuture(a)))
      .onComplete(result -> {
        inFlight--;
        // The endpoint's slot is free now; the node's goes when the result is committed (ResultWriter).
        services.limits().releaseEndpoint(url);
        if (result.succeeded()) {
          finish(result.result());
        } else if (result.cause() instanceof EndpointFailed failed) {
          finish(failed.attempt);
        } else {
          // No attempt to record: the node's slot is free now too.
          services.limits().releaseNode(1);
          if (result.cause() instanceof OpenCircuitException) {
            writer.park(job);
          } else {
            try (LogFields fields = job.logFields()) {
              LOG.error("Delivery {} could not be attempted", job.deliveryId(), result.cause());
            }
            writer.postpone(job, clock.instant().plusSeconds(5));
          }
        }
        startWaiting(url);
      });
  }

  /**
   * The signed POST, in a span of its own when tracing is on: a child of the event's ingest span, its context
   * sent to the partner as the webhook's {@code traceparent}.
   */
  private Future<Attempt> send(DeliveryJob job, SubscriptionIndex.Target target) {
    Traces traces = services.traces();
    if (!traces.enabled()) {
      return Attempt.send(sender, job, target);
    }
    URI endpoint = URI.create(target.url());
    Span span = traces.attempt(job.traceparent(), new Traces.Delivery(job.deliveryId().toString(), job.eventId(),
        job.type(), job.subscriptionId().toString(), job.attempts() + 1), endpoint.getHost(),
      endpoint.getPort() > 0 ? endpoint.getPort() : "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80);
    return Attempt.send(sender, job, target, traces.traceparent(span))
      .andThen(done -> Traces.endAttempt(span, done.succeeded() ? done.result().status() : null,
        done.succeeded() ? done.result().failureReason() : "not_sent"));
  }

  /**
   * The endpoint is at its in-flight cap: the job waits here, briefly and in a bounded queue, for a
   * slot; when the queue is full, or the job has waited too long, it goes back to PostgreSQL instead.
   * (Postponing every job that found the endpoint busy made bursts cost a database round trip and a
   * later re-claim per delivery: most of PostgreSQL's time in the load test.)
   */
  private void wait(DeliveryJob job, SubscriptionIndex.Target target, String url) {
    switch (DispatchRules.queue(waitingCount, maxWaiting)) {
      case POSTPONE -> services.writer().postpone(job, clock.instant().plusMillis(500 + ThreadLocalRandom.current().nextLong(500)));
      case WAIT -> {
        waiting.computeIfAbsent(url, k -> new ArrayDeque<>()).add(new Waiting(job, target, clock.millis()));
        waitingCount++;
      }
    }
  }

  private void startWaiting(String url) {
    ArrayDeque<Waiting> queue = waiting.get(url);
    long now = clock.millis();
    while (queue != null && !queue.isEmpty()) {
      Waiting next = queue.peek();
      boolean open = breakerOpen(url);
      boolean stale = now - next.since() > MAX_WAIT_MS;
      // A slot is taken only when nothing else decides first.
      DispatchRules.Release release = DispatchRules.release(now - next.since(), MAX_WAIT_MS, open,
        !open && !stale && services.limits().tryAcquire(url));
      if (release == DispatchRules.Release.KEEP_WAITING) {
        break;
      }
      queue.poll();
      waitingCount--;
      switch (release) {
        case PARK -> services.writer().park(next.job());
        case POSTPONE -> services.writer().postpone(next.job(), clock.instant());
        case START -> start(next.job(), next.target(), url);
        case KEEP_WAITING -> throw new AssertionError("kept waiting");
      }
    }
    if (queue != null && queue.isEmpty()) {
      waiting.remove(url);
    }
  }

  /** The schedule in force: a delivery already retrying follows a reloaded one from its next attempt. */
  private RetrySchedule schedule() {
    HookgateConfig.Delivery now = services.live().delivery();
    if (now != scheduleOf) {
      schedule = new RetrySchedule(now);
      scheduleOf = now;
    }
    return schedule;
  }

  private void finish(Attempt attempt) {
    services.metrics().attempt(attempt.durationMs());
    DispatchRules.Verdict verdict = DispatchRules.judge(attempt, schedule());
    services.writer().record(attempt, verdict.decision(),
      verdict.retryIn() == null ? null : clock.instant().plus(verdict.retryIn()));
  }
}
