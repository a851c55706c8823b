package io.hookgate.engine;

import io.hookgate.limits.InFlightLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Delivery and ingest metrics, exposed on {@code /metrics}. */
public final class DeliveryMetrics {
  private final Map<ResultWriter.Decision, Counter> outcomes = new EnumMap<>(ResultWriter.Decision.class);
  private final Counter postponed;
  private final Counter movesDropped;
  private final Counter deferred;
  private final Counter ingested;
  private final AtomicLong parked = new AtomicLong();
  private final Timer attemptLatency;
  private final AtomicLong due = new AtomicLong();

  public DeliveryMetrics(MeterRegistry registry, InFlightLimits limits) {
    for (ResultWriter.Decision decision : ResultWriter.Decision.values()) {
      outcomes.put(decision, Counter.builder("hookgate_deliveries")
        .description("Delivery attempts by outcome: success, retry (will try again), exhausted (failed for good), gone (410)")
        .tag("outcome", decision.name().toLowerCase())
        .register(registry));
    }
    postponed = Counter.builder("hookgate_deliveries_postponed")
      .description("Deliveries moved later without spending an attempt (breaker open, endpoint or node busy)")
      .register(registry);
    movesDropped = Counter.builder("hookgate_delivery_moves_dropped")
      .description("Postpone/hold/skip changes not queued because PostgreSQL was behind; the delivery's lease brings it back")
      .register(registry);
    deferred = Counter.builder("hookgate_deliveries_deferred")
      .description("Deliveries ingested while this node had no in-flight slot free: written due, for the scheduler")
      .register(registry);
    ingested = Counter.builder("hookgate_events_ingested")
      .description("Events stored: accepted by POST /api/v1/events (duplicates excluded) and Hookgate's own operational events")
      .register(registry);
    attemptLatency = Timer.builder("hookgate_attempt_duration")
      .description("Duration of delivery attempts, from request to response body")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(30))
      .register(registry);
    Gauge.builder("hookgate_deliveries_in_flight", limits, InFlightLimits::inFlight)
      .description("Delivery attempts in flight on this node, counting those whose result is not yet committed")
      .register(registry);
    Gauge.builder("hookgate_deliveries_due", due, AtomicLong::get)
      .description("Deliveries due now and waiting in PostgreSQL (retries and expired leases)").register(registry);
    Gauge.builder("hookgate_deliveries_parked", parked, AtomicLong::get)
      .description("Deliveries parked behind an open circuit breaker until it closes").register(registry);
  }

  void outcome(ResultWriter.Decision decision) {
    outcomes.get(decision).increment();
  }

  void postponed() {
    postponed.increment();
  }

  public void deferred(int deliveries) {
    deferred.increment(deliveries);
  }

  void moveDropped() {
    movesDropped.increment();
  }

  void attempt(long durationMs) {
    attemptLatency.record(Duration.ofMillis(durationMs));
  }

  void due(long count) {
    due.set(count);
  }

  void parked(long count) {
    parked.set(count);
  }

  public void ingested(int events) {
    ingested.increment(events);
  }
}
