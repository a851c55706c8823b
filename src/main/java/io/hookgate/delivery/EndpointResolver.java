package io.hookgate.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves endpoint hosts and applies the {@link AddressPolicy} to every address they resolve to.
 * Delivery then connects to the checked address itself, so a DNS answer that changes between check and
 * connect (rebinding) cannot redirect a delivery inward. Lookups run on a worker thread, never on an
 * event loop, and are cached briefly.
 */
public final class EndpointResolver {
  private static final long CACHE_MS = 30_000;

  /** Why an endpoint cannot be delivered to. */
  public static final class Refused extends Exception {
    private final String reason;

    Refused(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    /** {@code dns} or {@code blocked_address}. */
    public String reason() {
      return reason;
    }
  }

  private record Cached(InetAddress address, Refused refused, long expiresAt) {
  }

  private final Vertx vertx;
  private final AddressPolicy policy;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public EndpointResolver(Vertx vertx, AddressPolicy policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  public Future<InetAddress> resolve(String host) {
    Cached cached = cache.get(host);
    if (cached != null && cached.expiresAt() > System.currentTimeMillis()) {
      return cached.refused() == null ? Future.succeededFuture(cached.address()) : Future.failedFuture(cached.refused());
    }
    return vertx.<InetAddress>executeBlocking(() -> lookup(host), false)
      .andThen(result -> cache.put(host, new Cached(result.result(),
        result.cause() instanceof Refused r ? r : null, System.currentTimeMillis() + CACHE_MS)));
  }

  private InetAddress lookup(String host) throws Refused {
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(literal);
    } catch (UnknownHostException e) {
      throw new Refused("dns", "Host " + host + " does not resolve");
    }
    if (Arrays.stream(addresses).anyMatch(a -> !policy.permits(a))) {
      throw new Refused("blocked_address", "Host " + host
        + " resolves to a loopback, private or otherwise internal address, which is not allowed");
    }
    return addresses[0];
  }
}
