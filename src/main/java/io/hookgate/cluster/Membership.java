package io.hookgate.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Which nodes are alive, for the limits that hold for the cluster as a whole (each node's share of every
 * per-endpoint cap and rate) and for taking back at once what a node that left had leased. The member
 * list is read from the cluster manager every {@value #POLL_MS} ms; a node joining or leaving shifts
 * the shares within that.
 */
public final class Membership {
  /** How often the member list is read from the cluster manager (a local read). */
  public static final long POLL_MS = 250;
  private final String nodeId;
  private final ClusterManager clusterManager;
  private final List<Consumer<List<String>>> listeners = new CopyOnWriteArrayList<>();
  private volatile int members = 1;
  private volatile Set<String> live;
  private final List<Consumer<Set<String>>> onLeft = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;

  /** @param clusterManager null when not clustered */
  public Membership(String nodeId, ClusterManager clusterManager) {
    this.nodeId = nodeId;
    this.clusterManager = clusterManager;
    this.live = clusterManager == null ? Set.of(nodeId) : Set.copyOf(clusterManager.getNodes());
    this.members = Math.max(1, live.size());
  }

  public void start(Vertx vertx) {
    List<String> now = List.copyOf(live);
    listeners.forEach(l -> l.accept(now));
    if (clusterManager != null) {
      update();
      vertx.setPeriodic(POLL_MS, id -> update());
    }
  }

  private void update() {
    Set<String> now = Set.copyOf(clusterManager.getNodes());
    Set<String> left = new HashSet<>(live);
    left.removeAll(now);
    boolean changed = !now.equals(live);
    live = now;
    members = Math.max(1, now.size());
    if (changed) {
      List<String> list = List.copyOf(now);
      listeners.forEach(l -> l.accept(list));
    }
    if (!left.isEmpty()) {
      onLeft.forEach(l -> l.accept(Set.copyOf(left)));
    }
  }

  public int members() {
    return members;
  }

  /** The ids of the live nodes: the cluster's members, or this node alone when not clustered. */
  public Set<String> liveNodes() {
    return live;
  }

  /** Called with the live members (any order) when {@link #start} runs and whenever they change. */
  public void onMembers(Consumer<List<String>> listener) {
    listeners.add(listener);
  }

  /** Called with the ids of members that left the cluster (crashed, or stopped). */
  public void onLeft(Consumer<Set<String>> listener) {
    onLeft.add(listener);
  }

  /** Ready as far as the node goes: not stopping, and not clustered or an active member. */
  public boolean ready() {
    return !stopping && (clusterManager == null || clusterManager.isActive());
  }

  /**
   * The node has begun a graceful stop: it reports not ready from now on, so a load balancer (a
   * Kubernetes Service) stops sending it requests while it finishes the ones it has.
   */
  public void stopping() {
    stopping = true;
  }

  public JsonObject describe() {
    return new JsonObject()
      .put("enabled", clusterManager != null)
      .put("node_id", nodeId)
      .put("members", members)
      .put("active", clusterManager == null || clusterManager.isActive())
      .put("stopping", stopping);
  }

}
