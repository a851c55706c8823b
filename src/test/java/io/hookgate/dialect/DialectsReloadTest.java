package io.hookgate.dialect;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dialects file is followed while the gateway runs: a changed template renders the next delivery; a
 * template that does not compile, or a file that drops a format a subscription uses, is refused with one
 * line naming it, and the definitions in force stay. /ready and /metrics show the version in force.
 */
class DialectsReloadTest {
  private static final Path FILE = copyOfShippedDialects();

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree
    .put("reload-interval", "100ms").put("dialects-file", FILE.toString())));

  private static Path copyOfShippedDialects() {
    try {
      Path copy = Files.createTempFile("hookgate-dialects", ".yaml");
      copy.toFile().deleteOnExit();
      return Files.copy(Path.of("conf", "dialects.yaml"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String version() {
    return gw.send(GET, "/ready", null, null).bodyAsJsonObject().getJsonObject("config").getString("dialects_version");
  }

  private static void edit(UnaryOperator<String> change) {
    try {
      Files.writeString(FILE, change.apply(Files.readString(FILE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject deliverOne(Receiver receiver, int n) {
    gw.ingest(TestGateway.event("order.created", new JsonObject().put("n", n)));
    return new JsonObject(receiver.awaitCount(n, 10_000).get(n - 1).body());
  }

  @Test
  void aChangedTemplateRendersTheNextDeliveryAndABadFileIsRefused() {
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Logger log = (Logger) LoggerFactory.getLogger(DialectsReload.class);
    log.addAppender(lines);
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      gw.subscribe(gw.partnerToken("reload-app"), new JsonObject().put("url", receiver.url())
        .put("events", new JsonArray().add("order.created")).put("payload_format", "data"));
      String first = version();
      assertThat(first).matches("[0-9a-f]{12}");
      assertThat(gw.send(GET, "/metrics", null, null).bodyAsString())
        .contains("hookgate_dialects_version{version=\"" + first + "\"} 1.0");
      assertThat(deliverOne(receiver, 1)).isEqualTo(new JsonObject().put("n", 1));

      edit(text -> text.replace("template: \".data\"", "template: \"{\\\"wrapped\\\": .data}\"")
        .replace("payload-formats:\n", "payload-formats:\n  extra:\n    template: \".data\"\n"));
      Receiver.eventually(() -> !version().equals(first), 10_000, "the changed file in force");
      String second = version();
      assertThat(deliverOne(receiver, 2)).isEqualTo(new JsonObject().put("wrapped", new JsonObject().put("n", 2)));

      // A template that does not compile: refused, naming it; the one in force keeps rendering.
      edit(text -> text.replace("template: \"{\\\"wrapped\\\": .data}\"", "template: \"{\\\"wrapped\\\": \""));
      Receiver.eventually(() -> lines.list.stream().anyMatch(l -> l.getFormattedMessage().contains("refused")
        && l.getFormattedMessage().contains("payload-formats.data")), 10_000, "the broken template refused");
      assertThat(version()).isEqualTo(second);
      assertThat(deliverOne(receiver, 3)).isEqualTo(new JsonObject().put("wrapped", new JsonObject().put("n", 3)));

      // Taking away a format a subscription uses (the one added above): refused, naming the format.
      gw.subscribe(gw.partnerToken("reload-extra-app"), new JsonObject().put("url", receiver.url() + "/extra")
        .put("events", new JsonArray().add("customer.updated")).put("payload_format", "extra"));
      edit(text -> text.replace("template: \"{\\\"wrapped\\\": \"", "template: \"{\\\"wrapped\\\": .data}\"")
        .replace("  extra:\n    template: \".data\"\n", ""));
      Receiver.eventually(() -> lines.list.stream().anyMatch(l -> l.getFormattedMessage().contains("refused")
        && l.getFormattedMessage().contains("no longer defines [extra]")), 10_000,
        "the file without the format in use refused");
      assertThat(version()).isEqualTo(second);
      assertThat(deliverOne(receiver, 4)).isEqualTo(new JsonObject().put("wrapped", new JsonObject().put("n", 4)));
    } finally {
      log.detachAppender(lines);
    }
  }
}
