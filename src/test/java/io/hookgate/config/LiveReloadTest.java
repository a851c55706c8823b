package io.hookgate.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway follows its config file while it runs: live tunables change in place (a delivery already
 * retrying follows a new schedule from its next attempt), a key that needs a restart says so, an invalid
 * file is refused with one line naming the key, and /ready and /metrics show the version in force.
 */
class LiveReloadTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.put("reload-interval", "100ms")));

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger reloadLog = (Logger) LoggerFactory.getLogger(ConfigReload.class);

  @BeforeEach
  void captureTheReloadLog() {
    lines.start();
    reloadLog.addAppender(lines);
  }

  @AfterEach
  void release() {
    reloadLog.detachAppender(lines);
  }

  private JsonObject readyConfig() {
    return gw.send(GET, "/ready", null, null).bodyAsJsonObject().getJsonObject("config");
  }

  /** Changes the file and waits until the node has a version other than the one in force before. */
  private String change(java.util.function.Consumer<JsonObject> edit) {
    String before = readyConfig().getString("version");
    gw.editConfig(edit);
    Receiver.eventually(() -> !readyConfig().getString("version").equals(before), 30_000, "a new version in force");
    return readyConfig().getString("version");
  }

  private String metricVersion() {
    Matcher m = Pattern.compile("(?m)^hookgate_config_version\\{version=\"([0-9a-f]+)\"} 1\\.0$")
      .matcher(gw.send(GET, "/metrics", null, null).bodyAsString());
    assertThat(m.find()).as("hookgate_config_version on /metrics").isTrue();
    String version = m.group(1);
    assertThat(m.find()).as("one version series only").isFalse();
    return version;
  }

  @Test
  void tunablesFollowTheFileWithoutARestart() {
    assertThat(metricVersion()).isEqualTo(readyConfig().getString("version"));
    ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.hookgate.access");
    Level accessBefore = access.getLevel();
    double appliedBefore = gw.metric("hookgate_config_reloads_total{result=\"applied\"}");

    String version = change(tree -> {
      JsonObject delivery = tree.getJsonObject("delivery");
      delivery.put("max-in-flight", 100).put("endpoint-rate-limit-per-second", 7).put("request-timeout-ms", 900);
      delivery.getJsonObject("circuit-breaker").put("failure-threshold", 3);
      delivery.getJsonObject("auto-disable").put("after-exhausted-deliveries", 4);
      tree.getJsonObject("api").put("partner-rate-limit-per-second", 55);
      tree.getJsonObject("logging").put("levels", new JsonObject().put("io.hookgate.access", "INFO"));
    });

    HookgateConfig now = gw.gateway().liveConfig().current();
    assertThat(now.delivery().maxInFlight()).isEqualTo(100);
    assertThat(now.delivery().endpointRatePerSecond()).isEqualTo(7);
    assertThat(now.delivery().requestTimeoutMs()).isEqualTo(900);
    assertThat(now.delivery().breaker().failureThreshold()).isEqualTo(3);
    assertThat(now.delivery().autoDisable().afterExhaustedDeliveries()).isEqualTo(4);
    assertThat(now.api().partnerRatePerSecond()).isEqualTo(55);
    Receiver.eventually(() -> gw.gateway().limits().available() == 100, 5_000, "the node's in-flight bound of 100");
    assertThat(access.getLevel()).isEqualTo(Level.INFO);
    assertThat(metricVersion()).isEqualTo(version);
    assertThat(gw.metric("hookgate_config_reloads_total{result=\"applied\"}")).isGreaterThan(appliedBefore);
    assertThat(lines.list).anySatisfy(line -> assertThat(line.getFormattedMessage())
      .contains("Configuration reloaded").contains("delivery.max-in-flight").contains("logging.levels.io.hookgate.access"));

    // Taking a level out of the file puts the logger back as logback.xml had it.
    change(tree -> tree.getJsonObject("logging").put("levels", new JsonObject()));
    assertThat(access.getLevel()).isEqualTo(accessBefore);
  }

  /**
   * A delivery retrying on [0s, 1h, 1h, 1h] waits an hour; the schedule becomes [0s, 1h, 7m, 1h] and its next
   * attempt (retried now by the partner) is followed by 7 minutes, not an hour; then the schedule shrinks to
   * two attempts and the attempt after that is its last.
   */
  @Test
  void aDeliveryAlreadyRetryingFollowsTheNewScheduleFromItsNextAttempt() {
    change(tree -> tree.getJsonObject("delivery").put("retry-schedule", new JsonArray().add("0s").add("1h").add("1h").add("1h")));
    try (Receiver failing = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(500))) {
      String token = gw.partnerToken("schedule");
      String subscription = gw.subscribe(token, failing.url(), "customer.created").getString("id");
      gw.ingest(TestGateway.event("customer.created", new JsonObject()));
      Row first = awaitAttempts(subscription, 1);
      assertThat(first.getString("status")).isEqualTo("retrying");
      assertThat(minutesUntilNext(first)).isBetween(59.0, 61.0);

      change(tree -> tree.getJsonObject("delivery").put("retry-schedule", new JsonArray().add("0s").add("1h").add("7m").add("1h")));
      UUID delivery = first.getUUID("id");
      assertThat(gw.send(POST, "/api/partner/v1/deliveries/" + delivery + "/retry", token, null).statusCode()).isEqualTo(202);
      Row second = awaitAttempts(subscription, 2);
      assertThat(second.getString("status")).isEqualTo("retrying");
      assertThat(minutesUntilNext(second)).isBetween(6.5, 7.5);

      change(tree -> tree.getJsonObject("delivery").put("retry-schedule", new JsonArray().add("0s").add("1h")));
      assertThat(gw.send(POST, "/api/partner/v1/deliveries/" + delivery + "/retry", token, null).statusCode()).isEqualTo(202);
      Row third = awaitAttempts(subscription, 3);
      assertThat(third.getString("status")).as("two attempts are all the new schedule allows").isEqualTo("failed");
    }
  }

  /** A lower breaker threshold holds for a closed breaker from its next attempt: two failures open it, not 1000. */
  @Test
  void aNewBreakerThresholdHoldsForEndpointsAlreadyKnown() {
    try (Receiver failing = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(500))) {
      change(tree -> tree.getJsonObject("delivery").put("retry-schedule", new JsonArray().add("0s").add("1h")));
      gw.subscribe(gw.partnerToken("breaker"), failing.url(), "customer.updated");
      gw.ingest(TestGateway.event("customer.updated", new JsonObject()));
      failing.awaitCount(1, 10_000);
      assertThat(gw.gateway().breakers().state(failing.url()).name()).isEqualTo("CLOSED");

      change(tree -> tree.getJsonObject("delivery").getJsonObject("circuit-breaker").put("failure-threshold", 2));
      gw.ingest(TestGateway.event("customer.updated", new JsonObject()));
      gw.ingest(TestGateway.event("customer.updated", new JsonObject()));
      Receiver.eventually(() -> gw.gateway().breakers().state(failing.url()).name().equals("OPEN"), 10_000,
        "the breaker to open after two failures under the new threshold");
    }
  }

  private Row awaitAttempts(String subscription, int attempts) {
    Receiver.eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1::uuid AND attempts = $2",
      subscription, attempts) == 1, 10_000, "attempt " + attempts + " recorded");
    return gw.query("SELECT id, status, next_attempt_at, updated_at FROM deliveries WHERE subscription_id = $1::uuid",
      subscription).iterator().next();
  }

  private static double minutesUntilNext(Row row) {
    OffsetDateTime next = row.getOffsetDateTime("next_attempt_at");
    return Duration.between(row.getOffsetDateTime("updated_at"), next).toMillis() / 60_000.0;
  }

  @Test
  void anInvalidFileIsRefusedWithOneLineAndTheConfigInForceStays() throws Exception {
    String version = readyConfig().getString("version");
    double refusedBefore = gw.metric("hookgate_config_reloads_total{result=\"refused\"}");
    int schedule = gw.gateway().liveConfig().delivery().retrySchedule().size();

    gw.editConfig(tree -> tree.getJsonObject("delivery").put("retry-jitter", 5).put("retry-schedule", new JsonArray().add("0s")));
    ILoggingEvent refused = awaitRefusal(refusedBefore);
    assertThat(refused.getFormattedMessage()).contains("delivery.retry-jitter: must be a number between 0.0 and 1.0")
      .contains(version).doesNotContain("\n");
    assertThat(refused.getThrowableProxy()).as("one line, no stack trace").isNull();
    assertThat(readyConfig().getString("version")).isEqualTo(version);
    assertThat(gw.gateway().liveConfig().delivery().retrySchedule()).as("the valid key of a refused file is not taken")
      .hasSize(schedule);

    String valid = Files.readString(gw.configFile()).replace("\"retry-jitter\" : 5", "\"retry-jitter\" : 0");
    Files.writeString(gw.configFile(), "delivery: [unclosed\n");
    ILoggingEvent broken = awaitRefusal(refusedBefore + 1);
    assertThat(broken.getFormattedMessage()).contains("config file:").contains("is not valid YAML").doesNotContain("\n");
    assertThat(readyConfig().getString("version")).isEqualTo(version);

    Files.writeString(gw.configFile(), valid);
    Receiver.eventually(() -> gw.gateway().liveConfig().delivery().retrySchedule().size() == 1, 10_000,
      "the corrected file in force");
  }

  private ILoggingEvent awaitRefusal(double refusedBefore) {
    Receiver.eventually(() -> gw.metric("hookgate_config_reloads_total{result=\"refused\"}") > refusedBefore, 10_000,
      "the change to be refused");
    return lines.list.stream().filter(line -> line.getLevel() == Level.ERROR).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void aKeyThatNeedsARestartSaysSoAndKeepsItsRunningValue() {
    int bodyLimit = gw.gateway().liveConfig().current().http().bodyLimitBytes();
    String version = readyConfig().getString("version");
    gw.editConfig(tree -> tree.getJsonObject("http").put("body-limit-bytes", 2048));
    Receiver.eventually(() -> readyConfig().getJsonArray("restart_pending").contains("http.body-limit-bytes"), 10_000,
      "the restart to be pending");
    assertThat(lines.list).anySatisfy(line -> assertThat(line.getFormattedMessage())
      .contains("[http.body-limit-bytes]").contains("next restart"));
    assertThat(gw.gateway().liveConfig().current().http().bodyLimitBytes()).isEqualTo(bodyLimit);
    assertThat(readyConfig().getString("version")).as("the settings in force did not change").isEqualTo(version);
    assertThat(gw.metric("hookgate_config_restart_pending")).isEqualTo(1.0);

    gw.editConfig(tree -> tree.getJsonObject("http").put("body-limit-bytes", bodyLimit));
    Receiver.eventually(() -> readyConfig().getJsonArray("restart_pending").isEmpty(), 10_000, "nothing pending");
  }

  /** The version is a hash of the settings: secrets stay out of it, and the same settings give the same one. */
  @Test
  void theVersionLeavesSecretsOut() {
    JsonObject tree = ConfigSource.withDefaults(new JsonObject());
    String version = LiveConfig.version(tree);
    assertThat(version).matches("[0-9a-f]{12}");
    assertThat(LiveConfig.version(tree.copy().put("admin-key", "another-admin-key-0123456789"))).isEqualTo(version);
    assertThat(LiveConfig.version(tree.copy().put("data-dir", "elsewhere"))).isNotEqualTo(version);
    assertThat(ConfigReload.differing(tree, tree.copy().put("admin-key", "x"))).containsExactly("admin-key");
    HttpResponse<Buffer> ready = gw.send(GET, "/ready", null, null);
    assertThat(ready.bodyAsString()).doesNotContain(TestGateway.ADMIN_KEY);
    assertThat(List.of(ready.statusCode())).containsExactly(200);
  }
}
