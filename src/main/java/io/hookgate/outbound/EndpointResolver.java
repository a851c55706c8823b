package io.hookgate.outbound;

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
  /** The failure reason of an attempt refused by the {@link AddressPolicy}. */
  public static final String BLOCKED = "blocked_address";

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

  /** Whether deliveries to the loopback addresses are allowed (an operator named them in the allow-list). */
  public boolean permitsLoopback() {
    return policy.permits(InetAddress.getLoopbackAddress());
  }

  private InetAddress lookup(String host) throws Refused {
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // Never asked of DNS: a non-canonical numeric host (the system resolver reads 0x7f000001 as 127.0.0.1),
    // or a name that is the local host by convention.
    if (!host.startsWith("[") && EndpointUrls.looksNumeric(host) && !EndpointUrls.canonicalIpv4(host)) {
      throw new Refused(BLOCKED, "Host " + host + " is a non-canonical numeric address, which is not allowed");
    }
    if (EndpointUrls.loopbackName(host) && !permitsLoopback()) {
      throw new Refused(BLOCKED, "Host " + host + " names the local host, which is not allowed");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(literal);
    } catch (UnknownHostException e) {
      throw new Refused("dns", "Host " + host + " does not resolve");
    }
    if (Arrays.stream(addresses).anyMatch(a -> !policy.permits(a))) {
      throw new Refused(BLOCKED, "Host " + host
        + " resolves to a loopback, private or otherwise internal address, which is not allowed");
    }
    return addresses[0];
  }
}
