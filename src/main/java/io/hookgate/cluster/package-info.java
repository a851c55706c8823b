/**
 * Running as one node of a cluster: the Hazelcast cluster manager and event bus settings, and the live
 * members (for the shares of per-endpoint limits and for taking back what a member that left had leased).
 *
 * <p>Threading: {@link io.hookgate.cluster.Membership} is read from any thread (volatile snapshots) and
 * polls the cluster manager on a timer.
 */
package io.hookgate.cluster;
