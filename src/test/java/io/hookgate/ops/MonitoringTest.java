package io.hookgate.ops;

import io.hookgate.config.ConfigSource;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The alerting rules and the Grafana dashboard that ship with Hookgate: the rules are well-formed PromQL
 * in a well-formed rule file, the PrometheusRule in {@code k8s/} holds the same rules, and every metric
 * either of them names is on {@code /metrics} of a running gateway (a renamed meter would otherwise leave
 * an alert that can never fire).
 */
class MonitoringTest {
  private static final Path ALERTS = Path.of("docs", "monitoring", "alerts.yaml");
  private static final Path DASHBOARD = Path.of("docs", "monitoring", "grafana-dashboard.json");
  private static final Path PROMETHEUS_RULE = Path.of("k8s", "monitoring", "prometheusrule.yaml");

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  @Test
  void theRulesAreWellFormedAndTheSameInKubernetes() {
    JsonObject rules = ConfigSource.readYaml(ALERTS);
    JsonObject operator = ConfigSource.readYaml(PROMETHEUS_RULE);
    assertThat(operator.getString("kind")).isEqualTo("PrometheusRule");
    assertThat(operator.getJsonObject("spec").getJsonArray("groups")).isEqualTo(rules.getJsonArray("groups"));

    List<JsonObject> all = rules(rules);
    assertThat(all).extracting(r -> r.getString("alert")).contains("HookgateDeliveriesDueGrowing",
      "HookgateBreakerOpenLong", "HookgateDeliveriesExhausted", "HookgateIngestServerErrors",
      "HookgateIngestUnavailable", "HookgateDatabaseNotReady", "HookgateHeapHigh").doesNotHaveDuplicates();
    for (JsonObject rule : all) {
      String name = rule.getString("alert");
      assertThat(name).as("alert name").matches("[A-Z][A-Za-z0-9]+");
      assertThat(rule.getString("for")).as(name + " for").matches("\\d+[smh]");
      assertThat(rule.getJsonObject("labels").getString("severity")).as(name + " severity").isIn("page", "ticket");
      assertThat(rule.getJsonObject("annotations").getString("summary")).as(name + " summary").isNotBlank();
      assertThat(rule.getJsonObject("annotations").getString("description")).as(name + " description").isNotBlank();
      PromQl.check(rule.getString("expr"));
    }
  }

  @Test
  void theDashboardIsWellFormed() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    assertThat(dashboard.getString("uid")).isEqualTo("hookgate");
    List<String> expressions = expressions(dashboard);
    assertThat(expressions).hasSizeGreaterThan(10);
    expressions.forEach(PromQl::check);
  }

  /** The checker above catches what it is there for. */
  @Test
  void theCheckerRefusesBrokenExpressions() {
    assertThatThrownBy(() -> PromQl.check("sum(rate(hookgate_x_total[5m])")).hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> PromQl.check("hookgate_x{code=~\"5..\"[5m]")).hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> PromQl.check("rat(hookgate_x_total[5m])")).hasMessageContaining("unknown function rat");
    assertThatThrownBy(() -> PromQl.check("rate(hookgate_x_total[5 minutes])")).hasMessageContaining("range");
    assertThatThrownBy(() -> PromQl.check("hookgate_x{code=5}")).hasMessageContaining("label matcher");
    assertThat(PromQl.metrics("sum by (code) (rate(vertx_http_server_requests_total{route=\"/api/v1/events\"}[5m]))"
      + " / clamp_min(max(hookgate_deliveries_due offset 5m), 1e-9) > 0 and on(instance) up"))
      .containsExactlyInAnyOrder("vertx_http_server_requests_total", "hookgate_deliveries_due", "up");
  }

  @Test
  void everyMetricTheRulesAndTheDashboardNameIsOnMetrics() throws IOException {
    // One delivery, so that the per-endpoint and per-route series exist.
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      gw.subscribe(gw.partnerToken("monitoring"), receiver.url(), "order.created");
      gw.ingest(TestGateway.event("order.created", new JsonObject().put("order_id", "1")));
      receiver.awaitCount(1, 10_000);
    }
    Map<String, Set<String>> wanted = new TreeMap<>();
    rules(ConfigSource.readYaml(ALERTS)).forEach(rule ->
      PromQl.metrics(rule.getString("expr")).forEach(m -> wanted.computeIfAbsent(m, k -> new TreeSet<>()).add(rule.getString("alert"))));
    expressions(new JsonObject(Files.readString(DASHBOARD))).forEach(expr ->
      PromQl.metrics(expr).forEach(m -> wanted.computeIfAbsent(m, k -> new TreeSet<>()).add("dashboard")));
    assertThat(wanted).containsKeys("hookgate_deliveries_due", "hookgate_circuit_breaker_state",
      "hookgate_deliveries_total", "vertx_http_server_requests_total", "hookgate_database_up",
      "jvm_memory_usage_after_gc");

    Receiver.eventually(() -> missing(wanted.keySet()).isEmpty(), 10_000,
      "every metric on /metrics; missing: " + missing(wanted.keySet()));
    assertThat(gw.metric("hookgate_database_up")).isEqualTo(1.0);
    assertThat(gw.metric("hookgate_ready")).isEqualTo(1.0);
  }

  private static Set<String> missing(Set<String> metrics) {
    Set<String> series = new TreeSet<>();
    gw.send(GET, "/metrics", null, null).bodyAsString().lines()
      .filter(line -> !line.startsWith("#") && !line.isBlank())
      .forEach(line -> series.add(line.split("[{ ]", 2)[0]));
    Set<String> missing = new TreeSet<>(metrics);
    missing.removeAll(series);
    return missing;
  }

  private static List<JsonObject> rules(JsonObject file) {
    List<JsonObject> all = new ArrayList<>();
    for (Object group : file.getJsonArray("groups")) {
      assertThat(((JsonObject) group).getString("name")).isNotBlank();
      ((JsonObject) group).getJsonArray("rules").forEach(rule -> all.add((JsonObject) rule));
    }
    return all;
  }

  private static List<String> expressions(JsonObject dashboard) {
    List<String> expressions = new ArrayList<>();
    for (Object panel : dashboard.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) panel).getJsonArray("targets");
      if (targets != null) {
        targets.forEach(t -> expressions.add(((JsonObject) t).getString("expr")));
      }
    }
    return expressions;
  }
}
