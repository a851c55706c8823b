package io.hookgate;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Partner;
import io.hookgate.config.ConfigException;
import io.hookgate.config.HookgateConfig;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar hookgate.jar [--cluster] [config-file]}: starts the gateway with
 * {@code conf/hookgate.yaml} (or the given file, or {@code HOOKGATE_CONFIG}) plus environment
 * overrides; {@code --cluster} switches clustered mode on whatever the file says.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    HookgateConfig config;
    try {
      config = loadConfig(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("hookgate: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean generatedKey = config.adminKey().isEmpty();
    if (generatedKey) {
      config = config.withAdminKey(Credentials.random("hgk_"));
    }
    Hookgate gateway;
    try {
      gateway = Hookgate.start(config);
    } catch (ConfigException e) {
      System.err.println("hookgate: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("hookgate: failed to start: " + e.getMessage());
      LoggerFactory.getLogger(Main.class).error("Start-up failed", e);
      System.exit(1);
      return;
    }
    stopGracefullyOnSignals(gateway);

    String host = config.http().host().equals("0.0.0.0") ? "127.0.0.1" : config.http().host();
    String base = "http://" + host + ":" + gateway.port();
    System.out.println();
    System.out.println("Hookgate is running.");
    System.out.println("  Platform API : " + base + "/api/v1");
    System.out.println("  Partner API  : " + base + "/api/partner/v1");
    System.out.println("  OpenAPI      : " + base + "/openapi.yaml");
    System.out.println("  Health       : " + base + "/health   Ready: " + base + "/ready   Metrics: " + base + "/metrics");
    if (generatedKey) {
      System.out.println("  Platform key : " + config.adminKey() + "   (development key, generated for this run;"
        + " set HOOKGATE_ADMIN_KEY to keep one)");
    } else {
      System.out.println("  Platform key : from admin-key / HOOKGATE_ADMIN_KEY");
    }
    System.out.println();
  }

  /**
   * SIGTERM / SIGINT drain the node before the JVM's shutdown hooks run: the embedded PostgreSQL's
   * own hook would otherwise stop the database while in-flight results are still being written.
   * The shutdown hook stays as a fallback for other ways out.
   */
  private static void stopGracefullyOnSignals(Hookgate gateway) {
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "hookgate-shutdown"));
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        gateway.close();
        System.exit(0);
      });
    }
  }

  static HookgateConfig loadConfig(String[] args, Map<String, String> env) {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean cluster = rest.remove("--cluster");
    if (rest.size() > 1 || rest.stream().anyMatch(a -> a.startsWith("--"))) {
      throw new ConfigException("arguments", "usage: java -jar hookgate.jar [--cluster] [config-file]");
    }
    String file = rest.isEmpty() ? env.getOrDefault("HOOKGATE_CONFIG", HookgateConfig.DEFAULT_FILE.toString()) : rest.get(0);
    HookgateConfig config = HookgateConfig.load(Path.of(file), env);
    return cluster ? config.clustered() : config;
  }
}
