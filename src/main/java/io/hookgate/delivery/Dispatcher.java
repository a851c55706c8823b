package io.hookgate.delivery;

import io.hookgate.config.HookgateConfig;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
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
public final class Dispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** Everything a dispatcher shares with the other verticles of its node. */
  public record Services(HookgateConfig.Delivery config, SubscriptionIndex index, EndpointBreakers breakers,
                         InFlightLimits limits, EndpointRateLimits rates, ResultWriter writer, EndpointResolver resolver,
                         DeliveryMetrics metrics, long drainTimeoutMs) {
  }

  private static final class EndpointFailed extends RuntimeException {
    final Attempt attempt;

    EndpointFailed(Attempt attempt) {
      super(attempt.failureReason(), null, false, false);
      this.attempt = attempt;
    }
  }

  private final Services services;
  private final HookgateConfig.Delivery config;
  private final RetrySchedule schedule;
  private Sender sender;
  private MessageConsumer<DeliveryJob> consumer;
  /** Attempts this verticle has started and not finished; confined to its event loop. */
  private int inFlight;
  private static final long MAX_WAIT_MS = 5_000;
  private record Waiting(DeliveryJob job, SubscriptionIndex.Target target, long since) {
  }
  /** Jobs waiting for an in-flight slot of their endpoint, per endpoint; confined to the event loop. */
  private final Map<String, ArrayDeque<Waiting>> waiting = new HashMap<>();
  private int waitingCount;
  private final int maxWaiting;

  public Dispatcher(Services services, int instances) {
    this.maxWaiting = Math.max(1, services.config().maxQueued() / Math.max(1, instances));
    this.services = services;
    this.config = services.config();
    this.schedule = new RetrySchedule(config);
  }

  @Override
  public Future<?> start() {
    sender = new Sender(vertx, config, services.resolver());
    consumer = vertx.eventBus().consumer(DeliveryJob.ADDRESS, this::handle);
    // Slots held by other verticles of the node free up without an event here: look again often.
    vertx.setPeriodic(50, id -> List.copyOf(waiting.keySet()).forEach(this::startWaiting));
    return consumer.completion();
  }

  /**
   * Graceful stop: take no new jobs, let the attempts in flight finish (up to the drain timeout) so
   * their results are recorded, then close the client. Anything left is re-sent when its lease ends.
   */
  @Override
  public Future<?> stop() {
    long deadline = System.currentTimeMillis() + services.drainTimeoutMs();
    return consumer.unregister().compose(v -> {
      // Jobs still waiting for a slot go back to PostgreSQL, due now, for whichever node is left.
      waiting.values().forEach(queue -> queue.forEach(w -> services.writer().postpone(w.job(), Instant.now())));
      waiting.clear();
      waitingCount = 0;
      return drained(deadline);
    }).eventually(() -> sender.close());
  }

  private Future<Void> drained(long deadline) {
    if (inFlight == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(50).compose(v -> drained(deadline));
  }

  private void handle(Message<DeliveryJob> message) {
    DeliveryJob job = message.body();
    services.index().lookup(job.subscriptionId())
      // Held or skipped only on the database's word: the index may not have heard of a resume yet.
      .compose(t -> t == null || t.status() == Subscription.Status.ACTIVE ? Future.succeededFuture(t)
        : services.index().fresh(job.subscriptionId()))
      .onComplete(found -> {
        if (found.succeeded()) {
          attempt(job, found.result());
        } else {
          // Cannot tell what the subscription is: leave the delivery to its lease.
          LOG.warn("Looking up subscription {} failed: {}", job.subscriptionId(), found.cause().getMessage());
        }
      });
  }

  private void attempt(DeliveryJob job, SubscriptionIndex.Target target) {
    ResultWriter writer = services.writer();
    if (target == null) {
      writer.skip(job, "subscription_deleted");
      return;
    }
    switch (target.status()) {
      case PAUSED -> {
        writer.hold(job);
        return;
      }
      case DISABLED -> {
        writer.skip(job, "subscription_disabled");
        return;
      }
      default -> {
      }
    }
    String url = target.url();
    if (services.breakers().state(url) == CircuitBreakerState.OPEN) {
      writer.park(job);
      return;
    }
    long rateDelay = services.rates().delayMs(url);
    if (rateDelay > 0) {
      writer.postpone(job, Instant.now().plusMillis(rateDelay + ThreadLocalRandom.current().nextLong(100)));
      return;
    }
    if (!services.limits().tryAcquire(url)) {
      wait(job, target, url);
      return;
    }
    start(job, target, url);
  }

  /** Holds the attempt's in-flight slot (already acquired) until it is done, then lets a waiting job go. */
  private void start(DeliveryJob job, SubscriptionIndex.Target target, String url) {
    ResultWriter writer = services.writer();
    inFlight++;
    services.breakers().<Attempt>execute(url, () -> sender.send(job, target.url(), target.signingKeys())
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
            LOG.error("Delivery {} could not be attempted", job.deliveryId(), result.cause());
            writer.postpone(job, Instant.now().plusSeconds(5));
          }
        }
        startWaiting(url);
      });
  }

  /**
   * The endpoint is at its in-flight cap: the job waits here, briefly and in a bounded queue, for a
   * slot; when the queue is full, or the job has waited too long, it goes back to PostgreSQL instead.
   * (Postponing every job that found the endpoint busy made bursts cost a database round trip and a
   * later re-claim per delivery: most of PostgreSQL's time in the load test.)
   */
  private void wait(DeliveryJob job, SubscriptionIndex.Target target, String url) {
    if (waitingCount >= maxWaiting) {
      services.writer().postpone(job, Instant.now().plusMillis(500 + ThreadLocalRandom.current().nextLong(500)));
      return;
    }
    waiting.computeIfAbsent(url, k -> new ArrayDeque<>()).add(new Waiting(job, target, System.currentTimeMillis()));
    waitingCount++;
  }

  private void startWaiting(String url) {
    ArrayDeque<Waiting> queue = waiting.get(url);
    long now = System.currentTimeMillis();
    while (queue != null && !queue.isEmpty()) {
      Waiting next = queue.peek();
      boolean stale = now - next.since() > MAX_WAIT_MS;
      boolean open = services.breakers().state(url) == CircuitBreakerState.OPEN;
      if (!stale && !open && !services.limits().tryAcquire(url)) {
        break;
      }
      queue.poll();
      waitingCount--;
      if (open) {
        services.writer().park(next.job());
      } else if (stale) {
        services.writer().postpone(next.job(), Instant.now());
      } else {
        start(next.job(), next.target(), url);
      }
    }
    if (queue != null && queue.isEmpty()) {
      waiting.remove(url);
    }
  }

  private void finish(Attempt attempt) {
    services.metrics().attempt(attempt.durationMs());
    if (attempt.succeeded()) {
      services.writer().record(attempt, ResultWriter.Decision.SUCCESS, null);
      return;
    }
    if (Integer.valueOf(410).equals(attempt.status())) {
      services.writer().record(attempt, ResultWriter.Decision.GONE, null);
      return;
    }
    Duration delay = schedule.next(attempt.number(), attempt.retryAfter());
    if (delay == null) {
      services.writer().record(attempt, ResultWriter.Decision.EXHAUSTED, null);
    } else {
      services.writer().record(attempt, ResultWriter.Decision.RETRY, Instant.now().plus(delay));
    }
  }
}
