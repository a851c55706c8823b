package io.hookgate.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookgate.config.ConfigException;
import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JSON log lines with the ids as fields, the fields on a real gateway's lines, and levels that follow the config. */
class StructuredLogsTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  @Test
  void jsonLinesCarryTheIdsAsFields() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger logger = context.getLogger("io.hookgate.test.json");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try (LogFields fields = LogFields.of(LogFields.REQUEST_ID, "req-1").and(LogFields.EVENT_ID, "evt_1")
      .and(LogFields.DELIVERY_ID, "d-1").and(LogFields.SUBSCRIPTION_ID, "s-1").and("ignored", null)) {
      logger.warn("Delivery {} went wrong", "d-1", new IllegalStateException("boom"));
    } finally {
      logger.detachAppender(captured);
    }
    assertThat(org.slf4j.MDC.getCopyOfContextMap()).as("fields are taken off after the line").isNullOrEmpty();

    String line = new String(LogFormat.encoder(context).encode(captured.list.get(0)), StandardCharsets.UTF_8);
    assertThat(line).endsWith("\n").doesNotContain("\n{");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("message")).isEqualTo("Delivery d-1 went wrong");
    assertThat(json.getString("level")).isEqualTo("WARN");
    assertThat(json.getString("logger_name")).isEqualTo("io.hookgate.test.json");
    assertThat(json.getString("request_id")).isEqualTo("req-1");
    assertThat(json.getString("event_id")).isEqualTo("evt_1");
    assertThat(json.getString("delivery_id")).isEqualTo("d-1");
    assertThat(json.getString("subscription_id")).isEqualTo("s-1");
    assertThat(json.getString("service")).isEqualTo("hookgate");
    assertThat(json.getString("stack_trace")).contains("IllegalStateException: boom");
    assertThat(json.containsKey("ignored")).isFalse();
  }

  /** A gateway's own line about a subscription it disabled names the subscription as a field. */
  @Test
  void aGatewaysLinesCarryTheirIds() {
    Logger writer = (Logger) LoggerFactory.getLogger("io.hookgate.engine.ResultWriter");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    writer.addAppender(captured);
    try (Receiver gone = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(410))) {
      String id = gw.subscribe(gw.partnerToken("logs"), gone.url(), "order.created").getString("id");
      gw.ingest(TestGateway.event("order.created", new JsonObject()));
      // The logger is shared with the gateways of tests running alongside: this subscription's line is the one.
      Predicate<ILoggingEvent> ours = e -> e.getFormattedMessage().contains("disabled")
        && e.getFormattedMessage().contains(id);
      Receiver.eventually(() -> captured.list.stream().anyMatch(ours), 10_000, "the disabling to be logged");
      ILoggingEvent line = captured.list.stream().filter(ours).findFirst().orElseThrow();
      assertThat(line.getMDCPropertyMap()).containsEntry(LogFields.SUBSCRIPTION_ID, id);
    } finally {
      writer.detachAppender(captured);
    }
  }

  @Test
  void levelsFollowTheConfigAndGoBackWhenTakenOut() {
    Logger engine = (Logger) LoggerFactory.getLogger("io.hookgate.test.levels");
    Level before = engine.getLevel();
    try {
      LogLevels.apply(Map.of("io.hookgate.test.levels", "DEBUG"));
      assertThat(engine.getLevel()).isEqualTo(Level.DEBUG);
      LogLevels.apply(Map.of("io.hookgate.test.levels", "ERROR"));
      assertThat(engine.getLevel()).isEqualTo(Level.ERROR);
      LogLevels.apply(Map.of());
      assertThat(engine.getLevel()).isEqualTo(before);
    } finally {
      engine.setLevel(before);
    }
  }

  @Test
  void badLoggingSettingsNameTheirKey() {
    JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
    tree.getJsonObject("logging").put("levels", new JsonObject().put("io.hookgate", "LOUD"));
    assertThatThrownBy(() -> HookgateConfig.from(tree)).isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("logging.levels.io.hookgate: must be one of");
    tree.getJsonObject("logging").put("levels", new JsonObject()).put("format", "xml");
    assertThatThrownBy(() -> HookgateConfig.from(tree)).hasMessageStartingWith("logging.format: must be one of json, text");
    tree.getJsonObject("logging").put("format", "json").put("levels", new JsonObject().put("io.hookgate.access", "info"));
    HookgateConfig config = HookgateConfig.from(tree);
    assertThat(config.logging().format()).isEqualTo("json");
    assertThat(config.logging().levels()).isEqualTo(Map.of("io.hookgate.access", "INFO"));
    assertThat(List.of(config.logging().format())).containsExactly(LogFormat.JSON);
  }
}
