package io.hookgate;

import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.http.ApiContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The Kubernetes manifests parse and agree with each other and with the gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManifestsTest {
  private static final Path K8S = Path.of("k8s");
  private final Map<String, Map<String, Object>> byKindAndName = new HashMap<>();
  private Map<String, Object> deployment;
  private Map<String, Object> container;
  private HookgateConfig k8sConfig;

  @BeforeAll
  void load() throws IOException {
    Set<Path> patches = new java.util.HashSet<>();
    for (String dir : List.of("base", "overlays/example")) {
      list(kustomization(dir).getOrDefault("patches", List.of()))
        .forEach(p -> patches.add(K8S.resolve(dir).resolve((String) map(p).get("path")).normalize()));
    }
    try (Stream<Path> files = Files.walk(K8S)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !patches.contains(f.normalize())).toList()) {
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
          assertThat(doc).as(file + " holds YAML mappings").isInstanceOf(Map.class);
          Map<String, Object> manifest = map(doc);
          if (Set.of("hookgate.yaml", "dialects.yaml").contains(file.getFileName().toString())
            || manifest.containsKey("op")) {
            continue;
          }
          assertThat(manifest).as(file.toString()).containsKeys("apiVersion", "kind");
          if (!"Kustomization".equals(manifest.get("kind"))) {
            byKindAndName.putIfAbsent(manifest.get("kind") + "/" + map(manifest.get("metadata")).get("name"), manifest);
          }
        }
      }
    }
    deployment = byKindAndName.get("Deployment/hookgate");
    container = map(list(path(deployment, "spec", "template", "spec", "containers")).get(0));
    Map<String, String> secrets = Map.of(
      "HOOKGATE_ADMIN_KEY", "k8s-test-admin-key-0123456789",
      "HOOKGATE_DATABASE_PASSWORD", "pw",
      "HOOKGATE_SECURITY_SECRET_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    k8sConfig = HookgateConfig.load(K8S.resolve("base/hookgate.yaml"), secrets);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  private static Object path(Map<String, Object> root, String... keys) {
    Object at = root;
    for (String key : keys) {
      if (at == null) {
        return null;
      }
      at = map(at).get(key);
    }
    return at;
  }

  private Map<String, Object> kustomization(String dir) throws IOException {
    return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(K8S.resolve(dir).resolve("kustomization.yaml"))));
  }

  @Test
  void kustomizationsReferenceFilesThatExist() throws IOException {
    for (String dir : List.of("base", "overlays/example")) {
      Map<String, Object> k = kustomization(dir);
      List<Object> referenced = new ArrayList<>(list(k.getOrDefault("resources", List.of())));
      list(k.getOrDefault("patches", List.of())).forEach(p -> referenced.add(map(p).get("path")));
      list(k.getOrDefault("configMapGenerator", List.of())).forEach(g -> referenced.addAll(list(map(g).get("files"))));
      for (Object ref : referenced) {
        assertThat(Files.exists(K8S.resolve(dir).resolve(ref.toString()))).as(dir + " -> " + ref).isTrue();
      }
    }
    assertThat(byKindAndName).containsKeys("Deployment/hookgate", "Service/hookgate", "Service/hookgate-hazelcast",
      "HorizontalPodAutoscaler/hookgate", "PodDisruptionBudget/hookgate", "Namespace/hookgate", "StatefulSet/postgres");
  }

  @Test
  void theConfigMapHoldsTheKeysOfConfHookgateYaml() {
    assertThat(leaves(ConfigSource.readYaml(K8S.resolve("base/hookgate.yaml")), ""))
      .isEqualTo(leaves(ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE), ""));
    assertThat(k8sConfig.database().embedded()).isFalse();
    assertThat(k8sConfig.delivery().requireHttps()).isTrue();
    assertThat(k8sConfig.cluster().enabled()).isTrue();
    assertThat(k8sConfig.delivery().allowedPrivateNetworks()).isEmpty();
  }

  /** The ConfigMap carries the dialects the gateway ships, from the directory the pods read and watch. */
  @Test
  void theConfigMapHoldsTheShippedDialects() throws IOException {
    assertThat(Files.readString(K8S.resolve("base/dialects.yaml"))).isEqualTo(Files.readString(Path.of("conf",
      "dialects.yaml")));
    assertThat(k8sConfig.dialectsFile()).isEqualTo(Path.of("/app/conf/live/dialects.yaml"));
  }

  private static Set<String> leaves(io.vertx.core.json.JsonObject node, String prefix) {
    Set<String> keys = new TreeSet<>();
    for (String field : node.fieldNames()) {
      String path = prefix.isEmpty() ? field : prefix + "." + field;
      if (node.getValue(field) instanceof io.vertx.core.json.JsonObject child) {
        keys.addAll(leaves(child, path));
      } else {
        keys.add(path);
      }
    }
    return keys;
  }

  @Test
  void portsAndProbesMatchTheGateway() {
    Map<String, Integer> ports = new HashMap<>();
    list(container.get("ports")).forEach(p -> ports.put((String) map(p).get("name"), (Integer) map(p).get("containerPort")));
    assertThat(ports.get("http")).isEqualTo(k8sConfig.http().port());
    assertThat(ports.get("hazelcast")).isEqualTo(k8sConfig.cluster().port());
    assertThat(ports.get("eventbus")).isEqualTo(k8sConfig.cluster().eventBusPort());

    String document = ApiContract.load().text();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> get = map(path(map(container), probe, "httpGet"));
      assertThat(ports).as(probe).containsKey((String) get.get("port"));
      assertThat(document).as(probe + " path is served").contains("\n  " + get.get("path") + ":\n");
    }
    assertThat(path(map(container), "readinessProbe", "httpGet", "path")).isEqualTo("/ready");
    assertThat(path(map(container), "livenessProbe", "httpGet", "path")).isEqualTo("/health");

    Map<String, Object> api = byKindAndName.get("Service/hookgate");
    assertThat(list(path(api, "spec", "ports"))).allSatisfy(p -> assertThat(ports).containsKey((String) map(p).get("targetPort")));
    Map<String, Object> headless = byKindAndName.get("Service/hookgate-hazelcast");
    assertThat(path(headless, "spec", "clusterIP")).isEqualTo("None");
    assertThat(path(headless, "spec", "publishNotReadyAddresses")).isEqualTo(true);
    assertThat(list(path(headless, "spec", "ports"))).allSatisfy(p -> {
      assertThat(ports).containsKey((String) map(p).get("targetPort"));
      assertThat(map(p).get("port")).isEqualTo(ports.get((String) map(p).get("targetPort")));
    });
  }

  @Test
  void selectorsMatchThePodLabels() {
    Map<String, Object> labels = map(path(deployment, "spec", "template", "metadata", "labels"));
    assertThat(labels).containsAllEntriesOf(map(path(deployment, "spec", "selector", "matchLabels")));
    assertThat(labels).containsAllEntriesOf(map(path(byKindAndName.get("Service/hookgate"), "spec", "selector")));
    assertThat(labels).containsAllEntriesOf(map(path(byKindAndName.get("Service/hookgate-hazelcast"), "spec", "selector")));
    assertThat(labels).containsAllEntriesOf(map(path(byKindAndName.get("PodDisruptionBudget/hookgate"), "spec", "selector", "matchLabels")));
    Map<String, Object> target = map(path(byKindAndName.get("HorizontalPodAutoscaler/hookgate"), "spec", "scaleTargetRef"));
    assertThat(target.get("kind")).isEqualTo("Deployment");
    assertThat(target.get("name")).isEqualTo("hookgate");
    assertThat((Integer) path(byKindAndName.get("HorizontalPodAutoscaler/hookgate"), "spec", "minReplicas"))
      .isGreaterThan((Integer) path(byKindAndName.get("PodDisruptionBudget/hookgate"), "spec", "minAvailable"));
  }

  @Test
  void everySecretConfigMapAndEnvironmentReferenceResolves() throws IOException {
    Set<String> secretKeys = new TreeSet<>();
    for (Object generator : list(kustomization("overlays/example").get("secretGenerator"))) {
      assertThat(map(generator).get("name")).isEqualTo("hookgate-secrets");
      list(map(generator).get("literals")).forEach(l -> secretKeys.add(l.toString().substring(0, l.toString().indexOf('='))));
    }
    Set<String> configKeys = leaves(ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE), "");
    Set<String> envNames = new TreeSet<>();
    configKeys.forEach(k -> envNames.add(ConfigSource.envName(k)));
    for (Object e : list(container.get("env"))) {
      Map<String, Object> env = map(e);
      String name = (String) env.get("name");
      if (name.startsWith("HOOKGATE_")) {
        assertThat(envNames).as(name + " names a configuration key").contains(name);
      }
      Object secretRef = path(env, "valueFrom", "secretKeyRef");
      if (env.get("valueFrom") != null && secretRef != null) {
        assertThat(map(secretRef).get("name")).isEqualTo("hookgate-secrets");
        assertThat(secretKeys).contains((String) map(secretRef).get("key"));
      }
    }
    Map<String, Object> configVolume = map(list(path(deployment, "spec", "template", "spec", "volumes")).get(0));
    assertThat(path(configVolume, "configMap", "name")).isEqualTo("hookgate-config");
    Map<String, Object> generator = map(list(kustomization("base").get("configMapGenerator")).get(0));
    assertThat(generator.get("name")).isEqualTo("hookgate-config");
    Map<String, Object> mount = map(list(container.get("volumeMounts")).get(0));
    // Mounted as a directory (a subPath mount never sees a change) under a fixed name (a hashed one rolls the
    // pods at every edit), so the pods follow the file; the gateway is told to read it there.
    assertThat(mount).doesNotContainKey("subPath");
    assertThat(map(generator.get("options")).get("disableNameSuffixHash")).isEqualTo(true);
    String file = list(generator.get("files")).get(0).toString();
    assertThat(list(container.get("args"))).contains(mount.get("mountPath") + "/" + file);
  }

  @Test
  void theOverlayPatchTargetsTheDeploymentWithConfigurationKeys() throws IOException {
    Map<String, Object> patch = map(new Yaml(new SafeConstructor(new LoaderOptions()))
      .load(Files.readString(K8S.resolve("overlays/example/database.yaml"))));
    assertThat(byKindAndName).containsKey(patch.get("kind") + "/" + path(patch, "metadata", "name"));
    Map<String, Object> patched = map(list(path(patch, "spec", "template", "spec", "containers")).get(0));
    assertThat(patched.get("name")).isEqualTo(container.get("name"));
    Set<String> envNames = new TreeSet<>();
    leaves(ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE), "").forEach(k -> envNames.add(ConfigSource.envName(k)));
    list(patched.get("env")).forEach(e -> assertThat(envNames).contains((String) map(e).get("name")));
  }

  @Test
  void shutdownHasTimeToDrain() {
    long grace = ((Number) path(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds")).longValue();
    List<Object> preStop = list(path(map(container), "lifecycle", "preStop", "exec", "command"));
    long preStopSeconds = Long.parseLong(preStop.get(preStop.size() - 1).toString());
    assertThat(grace).isGreaterThan(preStopSeconds + k8sConfig.cluster().drainTimeout().toSeconds() + 5);
    assertThat(list(container.get("args"))).contains("--cluster");
  }
}
