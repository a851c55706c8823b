package io.hookgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.hookgate.config.ConfigException;
import io.hookgate.config.HookgateConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

/**
 * Builds the Hazelcast cluster manager from {@code conf/cluster.xml} with the overrides of
 * {@code hookgate.yaml}: cluster name, bind address, port, and discovery (TCP-IP members, or Kubernetes
 * DNS over a headless Service). Multicast is always off.
 */
public final class ClusterSetup {
  private ClusterSetup() {
  }

  public static HazelcastClusterManager clusterManager(HookgateConfig.Cluster cluster) {
    Config hazelcast;
    try (InputStream in = Files.newInputStream(cluster.configFile())) {
      hazelcast = new XmlConfigBuilder(in).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cluster.config-file", "cannot read Hazelcast settings from " + cluster.configFile()
        + " (" + e.getMessage() + ")");
    }
    hazelcast.setClusterName(cluster.name());
    hazelcast.setProperty("hazelcast.local.localAddress", cluster.host());
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(false);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!cluster.kubernetesServiceDns().isEmpty()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", cluster.kubernetesServiceDns());
    } else {
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    }
    return new HazelcastClusterManager(hazelcast);
  }

  public static EventBusOptions eventBus(HookgateConfig.Cluster cluster) {
    return new EventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort()).setClusterPublicHost(cluster.host());
  }
}
