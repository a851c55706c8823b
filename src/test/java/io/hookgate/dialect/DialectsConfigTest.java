package io.hookgate.dialect;

import io.hookgate.Hookgate;
import io.hookgate.catalog.EventAliases;
import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.config.ConfigException;
import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The dialects file: what ships loads; a bad template or scheme stops start-up with one line naming it. */
class DialectsConfigTest {
  private static final Path FILE = Path.of("conf", "dialects.yaml");

  private static JsonObject shipped() {
    return ConfigSource.readYaml(FILE);
  }

  private static ConfigException refused(Consumer<JsonObject> change) {
    JsonObject tree = shipped();
    change.accept(tree);
    try {
      Dialects.from(tree, "dialects.yaml", EventAliases.NONE);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).doesNotContain("\n");
      return e;
    }
    throw new AssertionError("accepted");
  }

  private static JsonObject format(JsonObject tree, String name) {
    return tree.getJsonObject("payload-formats").getJsonObject(name);
  }

  private static JsonObject scheme(JsonObject tree, String name) {
    return tree.getJsonObject("signature-schemes").getJsonObject(name);
  }

  @Test
  void theShippedDialectsLoad() {
    Dialects dialects = Dialects.load(FILE, EventTypeCatalogFile.aliases(Path.of("conf", "event-types.yaml")));
    assertThat(dialects.formatNames()).contains("standard", "data", "shopline", "omise", "tiki");
    assertThat(dialects.schemeNames()).contains("standard", "shopline", "shopline-hmac", "omise", "tiki");
    assertThat(dialects.defaultFormat()).isEqualTo("standard");
    assertThat(dialects.defaultScheme()).isEqualTo("standard");
    assertThat(dialects.registration().categories()).containsKeys("order", "stock", "aftersale");
  }

  @Test
  void aTemplateThatDoesNotCompileIsNamed() {
    assertThat(refused(t -> format(t, "omise").put("template", "{\"key\": .alias")).getMessage())
      .startsWith("dialects.yaml: payload-formats.omise.template: Parse error");
  }

  @Test
  void aSchemeThatIsIncompleteOrWrongIsNamed() {
    assertThat(refused(t -> scheme(t, "omise").put("algorithm", "MD5")).getMessage())
      .startsWith("dialects.yaml: signature-schemes.omise.algorithm: must be one of");
    assertThat(refused(t -> scheme(t, "omise").put("message", "{timestamp}.{nonce}.{body}")).getMessage())
      .startsWith("dialects.yaml: signature-schemes.omise.message: {nonce} is not one of");
    assertThat(refused(t -> scheme(t, "omise").put("message", "{timestamp}")).getMessage())
      .contains("must sign the body");
    assertThat(refused(t -> scheme(t, "omise").put("query", "sign")).getMessage())
      .contains("signature-schemes.omise: needs exactly one of header");
    assertThat(refused(t -> scheme(t, "omise").put("colour", "blue")).getMessage())
      .startsWith("dialects.yaml: signature-schemes.omise.colour: is not a known setting");
    assertThat(refused(t -> scheme(t, "tiki").put("payload-format", "nowhere")).getMessage())
      .contains("signature-schemes.tiki.payload-format");
    assertThat(refused(t -> t.put("default-signature-scheme", "nowhere")).getMessage())
      .startsWith("dialects.yaml: default-signature-scheme: must name one of");
    assertThat(refused(t -> t.getJsonObject("registration").put("signature-scheme", "nowhere")).getMessage())
      .contains("registration.signature-scheme");
  }

  @Test
  void anAliasThatStandsForTwoTypesStopsStartUp() throws Exception {
    Path file = Files.createTempFile("event-types", ".yaml");
    try {
      Files.writeString(file, """
        event-types:
          - name: order.created
            aliases: {shopline: order/create}
          - name: order.updated
            aliases: {omise: order/create}
        """);
      assertThatThrownBy(() -> EventTypeCatalogFile.aliases(file)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("order/create already stands for order.created");
      Files.writeString(file, """
        event-types:
          - name: order.created
            aliases: {omise: order.updated}
          - name: order.updated
        """);
      assertThatThrownBy(() -> EventTypeCatalogFile.aliases(file)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("is the name of another type");
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void theGatewayDoesNotStartWithABadDialectsFile() throws Exception {
    Path file = Files.createTempFile("dialects", ".yaml");
    try {
      Files.writeString(file, Files.readString(FILE).replace("\"key\": .alias,", "\"key\": .alias +,"));
      JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
      tree.put("admin-key", "test-admin-key-0123456789").put("dialects-file", file.toString());
      // Before the database or anything else starts: the one line names the file and the template.
      assertThatThrownBy(() -> Hookgate.start(HookgateConfig.from(tree))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ": payload-formats.omise.template: Parse error");
    } finally {
      Files.delete(file);
    }
  }
}
