package io.hookgate.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * How many nodes are alive, for the limits that hold for the cluster as a whole: each node takes an
 * equal share (limit / live members) of every per-endpoint cap and rate. Membership is polled once a
 * second from the cluster manager; a node joining or leaving shifts the shares within about a second.
 */
public final class Membership {
  private final String nodeId;
  private final ClusterManager clusterManager;
  private final List<IntConsumer> listeners;
  private volatile int members = 1;

  /** @param clusterManager null when not clustered */
  public Membership(String nodeId, ClusterManager clusterManager, List<IntConsumer> listeners) {
    this.nodeId = nodeId;
    this.clusterManager = clusterManager;
    this.listeners = List.copyOf(listeners);
  }

  public void start(Vertx vertx) {
    if (clusterManager != null) {
      update();
      vertx.setPeriodic(1000, id -> update());
    }
  }

  private void update() {
    int now = Math.max(1, clusterManager.getNodes().size());
    if (now != members) {
      members = now;
      listeners.forEach(l -> l.accept(now));
    }
  }

  public int members() {
    return members;
  }

  /** Ready as far as the cluster goes: not clustered, or an active member. */
  public boolean ready() {
    return clusterManager == null || clusterManager.isActive();
  }

  public JsonObject describe() {
    return new JsonObject()
      .put("enabled", clusterManager != null)
      .put("node_id", nodeId)
      .put("members", members)
      .put("active", ready());
  }

  /** A cluster-wide limit divided among the live members, never below 1. */
  public static int share(int clusterLimit, int members) {
    return Math.max(1, (clusterLimit + members - 1) / members);
  }
}
