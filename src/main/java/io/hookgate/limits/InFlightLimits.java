package io.hookgate.limits;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the attempts in flight on this node, in all and per endpoint, so one slow or dead endpoint
 * cannot take the capacity healthy ones need. Work beyond the bounds waits in PostgreSQL, not here.
 * A node-wide slot is held until the attempt's result is committed, not just until the response: when
 * PostgreSQL writes results slower than endpoints answer, new attempts wait instead of results piling
 * up in memory.
 *
 * <p>The per-endpoint cap holds for the cluster as a whole, for any member count. Every member knows
 * the same sorted member list, so each computes the same split: the cap divided by the member count,
 * rounded down, and one more for as many members as the remainder, counted from an offset given by the
 * endpoint's URL (so small caps do not always land on the same node). The shares add up to the cap
 * exactly; a member whose share is 0 hands the endpoint's deliveries to one that has a share
 * ({@link #holderOf}). When the members change, a share that shrinks applies at once and one that grows
 * only after {@code settleMs} (the longest an attempt started under the old split can still run), so
 * the old and the new split never overlap above the cap. A node that has just joined starts from 0.
 */
public final class InFlightLimits {
  private volatile int max;
  private volatile int clusterMaxPerEndpoint;
  private final String self;
  private final long settleMs;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> perEndpoint = new ConcurrentHashMap<>();
  /** The split in force, the one before it, and until when the smaller of the two applies. */
  private volatile Split current;
  private volatile Split previous;
  private volatile long settledAt;

  /** The cluster's members in a fixed order, and where this node stands among them (-1: not a member yet). */
  record Split(List<String> members, int rank) {
    static final Split NONE = new Split(List.of(), -1);

    int share(int cap, String endpoint) {
      return rank < 0 ? 0 : share(cap, endpoint, rank);
    }

    int share(int cap, String endpoint, int of) {
      int n = members.size();
      int offset = Math.floorMod(endpoint.hashCode(), n);
      return cap / n + (Math.floorMod(of - offset, n) < cap % n ? 1 : 0);
    }
  }

  /** A node on its own (not clustered): it holds the whole cap. */
  public InFlightLimits(int max, int maxPerEndpoint) {
    this(max, maxPerEndpoint, "self", 0);
    members(List.of("self"));
  }

  /** A cluster member: it holds no share until it learns the members ({@link #members}) and the split settles. */
  public InFlightLimits(int max, int maxPerEndpoint, String self, long settleMs) {
    this.max = max;
    this.clusterMaxPerEndpoint = maxPerEndpoint;
    this.self = self;
    this.settleMs = settleMs;
    this.current = Split.NONE;
    this.previous = Split.NONE;
  }

  /**
   * New bounds (the config changed). A smaller one holds for new attempts at once; attempts already in
   * flight above it finish.
   */
  public void resize(int max, int clusterMaxPerEndpoint) {
    this.max = max;
    this.clusterMaxPerEndpoint = clusterMaxPerEndpoint;
  }

  /** The cluster's live members now (any order). */
  public synchronized void members(List<String> members) {
    List<String> sorted = members.stream().sorted().toList();
    if (sorted.equals(current.members())) {
      return;
    }
    boolean first = current == Split.NONE;
    previous = current;
    current = new Split(sorted, sorted.indexOf(self));
    // The first member of a cluster has no one whose attempts under an older split could overlap with its own.
    settledAt = first && sorted.size() == 1 ? 0 : System.currentTimeMillis() + settleMs;
  }

  /** Whether the latest change of members has settled: every share is the current split's. */
  public boolean settled() {
    return System.currentTimeMillis() >= settledAt && current != Split.NONE;
  }

  /** This node's share of the endpoint's cap now. */
  public int maxPerEndpoint(String endpoint) {
    Split now = current;
    int share = now.share(clusterMaxPerEndpoint, endpoint);
    return System.currentTimeMillis() < settledAt ? Math.min(share, previous.share(clusterMaxPerEndpoint, endpoint))
      : share;
  }

  /**
   * Another member that holds a share of the endpoint's cap in the split now (this node's view), chosen
   * at random among them; null when there is none.
   */
  public String holderOf(String endpoint) {
    Split now = current;
    List<String> holders = now.members().stream()
      .filter(member -> !member.equals(self)
        && now.share(clusterMaxPerEndpoint, endpoint, now.members().indexOf(member)) > 0)
      .toList();
    return holders.isEmpty() ? null : holders.get(ThreadLocalRandom.current().nextInt(holders.size()));
  }

  public boolean tryAcquire(String endpoint) {
    if (total.incrementAndGet() > max) {
      total.decrementAndGet();
      return false;
    }
    AtomicInteger count = perEndpoint.computeIfAbsent(endpoint, k -> new AtomicInteger());
    if (count.incrementAndGet() > maxPerEndpoint(endpoint)) {
      count.decrementAndGet();
      total.decrementAndGet();
      return false;
    }
    return true;
  }

  /** The request to the endpoint is over; its node-wide slot may still be held (by its unwritten result). */
  public void releaseEndpoint(String endpoint) {
    AtomicInteger count = perEndpoint.get(endpoint);
    if (count != null) {
      count.decrementAndGet();
    }
  }

  /** {@code n} node-wide slots are free again: their attempts' results are committed. */
  public void releaseNode(int n) {
    total.addAndGet(-n);
  }

  public int inFlight() {
    return total.get();
  }

  /** Room left on this node, for the scheduler to claim no more than it can start. */
  public int available() {
    return Math.max(0, max - total.get());
  }
}
