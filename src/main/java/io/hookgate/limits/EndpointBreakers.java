package io.hookgate.limits;

import io.hookgate.config.HookgateConfig;
import io.hookgate.outbound.Endpoints;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One vertx-circuit-breaker per endpoint URL. A breaker opens after consecutive endpoint failures;
 * while open, deliveries to that endpoint wait, parked, without spending attempts;
 * after the reset timeout one probe goes through (half-open) and its outcome closes or re-opens it.
 *
 * <p>Transitions are published on {@value #ADDRESS} so every node stops sending to an endpoint one of
 * them saw failing, kept in {@code subscriptions.circuit_state} for {@code health_status}, and
 * exposed as the {@code hookgate_circuit_breaker_state} gauge (0 closed, 1 half-open, 2 open).
 */
public final class EndpointBreakers {
  public static final String ADDRESS = "hookgate.breakers";
  private static final Logger LOG = LoggerFactory.getLogger(EndpointBreakers.class);
  /** Where a breaker's state is kept for the subscriptions' health (the subscriptions' owner). */
  public interface StateLog {
    Future<Void> record(String url, String state);
  }

  private final class Endpoint {
    final String url;
    final CircuitBreaker breaker;
    /** Set while a transition learned from another node is applied, so it is not echoed back. */
    volatile boolean applyingRemote;

    Endpoint(String url) {
      this.url = url;
      this.breaker = CircuitBreaker.create("endpoint:" + url, vertx, options)
        .openHandler(v -> transition(this, "open"))
        .halfOpenHandler(v -> transition(this, "half_open"))
        .closeHandler(v -> transition(this, "closed"));
      Gauge.builder("hookgate_circuit_breaker_state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .tag("endpoint", Endpoints.label(url))
        .description("Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open")
        .register(registry);
    }
  }

  private final Vertx vertx;
  private final StateLog log;
  private final MeterRegistry registry;
  private final String nodeId;
  private final CircuitBreakerOptions options;
  private final long resetMs;
  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private volatile Consumer<String> onClosed = url -> {
  };

  public EndpointBreakers(Vertx vertx, StateLog log, MeterRegistry registry, String nodeId, HookgateConfig.Breaker config) {
    this.vertx = vertx;
    this.log = log;
    this.registry = registry;
    this.nodeId = nodeId;
    this.resetMs = config.resetTimeout().toMillis();
    this.options = new CircuitBreakerOptions()
      .setMaxFailures(config.failureThreshold())
      .setTimeout(-1)
      .setResetTimeout(resetMs)
      .setFailuresRollingWindow(Math.max(60_000, 2 * resetMs))
      .setNotificationAddress(null);
  }

  public Future<Void> start() {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(ADDRESS, message -> {
      JsonObject change = message.body();
      if (!nodeId.equals(change.getString("node"))) {
        applyRemote(change.getString("url"), change.getString("state"));
      }
    });
    return consumer.completion();
  }

  /**
   * Runs the attempt through the endpoint's breaker. Fails with
   * {@link io.vertx.circuitbreaker.OpenCircuitException} without running it when the breaker is open
   * (or half-open with its probe already out).
   */
  public <T> Future<T> execute(String url, Supplier<Future<T>> attempt) {
    return endpoint(url).breaker.execute(attempt);
  }

  /** Called with the endpoint's URL when its breaker closes on this node, on its own probe or following another node. */
  public void onClosed(Consumer<String> listener) {
    this.onClosed = listener;
  }

  public CircuitBreakerState state(String url) {
    Endpoint endpoint = endpoints.get(url);
    return endpoint == null ? CircuitBreakerState.CLOSED : endpoint.breaker.state();
  }

  private Endpoint endpoint(String url) {
    return endpoints.computeIfAbsent(url, Endpoint::new);
  }

  private void transition(Endpoint endpoint, String state) {
    if (state.equals("closed")) {
      onClosed.accept(endpoint.url);
    }
    if (endpoint.applyingRemote) {
      return;
    }
    LOG.info("Circuit breaker of {} is now {}", Endpoints.label(endpoint.url), state);
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("url", endpoint.url).put("state", state).put("node", nodeId));
    log.record(endpoint.url, state)
      .onFailure(e -> LOG.warn("Recording breaker state of {} failed: {}", Endpoints.label(endpoint.url), e.getMessage()));
  }

  /** Another node saw the endpoint fail (or recover): follow it, without echoing the change back. */
  private void applyRemote(String url, String state) {
    Endpoint endpoint = endpoint(url);
    synchronized (endpoint) {
      endpoint.applyingRemote = true;
      try {
        CircuitBreakerState local = endpoint.breaker.state();
        if (state.equals("open") && local != CircuitBreakerState.OPEN) {
          endpoint.breaker.open();
        } else if (state.equals("closed") && local == CircuitBreakerState.HALF_OPEN) {
          endpoint.breaker.reset();
        }
      } finally {
        endpoint.applyingRemote = false;
      }
    }
  }
}
