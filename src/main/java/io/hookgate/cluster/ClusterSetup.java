package io.hookgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.hookgate.config.ConfigException;
import io.hookgate.config.HookgateConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;

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
    // Listen on the configured address only, not on every interface of the host.
    hazelcast.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
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

  /**
   * The clustered event bus: bound to the member's address, and with {@code cluster.tls} mutual TLS, so
   * only a holder of a certificate signed by the cluster's CA can send it delivery jobs or receive them.
   * (Hazelcast's own membership protocol has no authentication in its open-source edition; bind it to a
   * private interface and let a network policy admit only Hookgate's members to its port, as k8s/ does.)
   */
  public static EventBusOptions eventBus(HookgateConfig.Cluster cluster) {
    EventBusOptions options = new EventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort())
      .setClusterPublicHost(cluster.host());
    HookgateConfig.Tls tls = cluster.tls();
    if (tls != null) {
      options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile().toString()).setKeyPath(tls.keyFile().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile().toString()))
        .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }
}
