package io.hookgate.dialect;

import com.standardwebhooks.Webhook;
import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.support.NodeVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped dialects against fixed vectors ({@code src/test/resources/dialects/vectors.json}): one event
 * rendered in each scheme's payload format and signed with two secrets (a rotation's grace period). Each run
 * checks that Hookgate still produces exactly these requests, and that Node's own crypto, following each
 * platform's published recipe, verifies every signature of them with either secret and none with another.
 */
class SignatureVectorsTest {
  private static final Path VECTORS = Path.of("src", "test", "resources", "dialects", "vectors.json");
  private static final String WRONG_SECRET = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=";

  private final Dialects dialects = Dialects.load(Path.of("conf", "dialects.yaml"),
    EventTypeCatalogFile.aliases(Path.of("conf", "event-types.yaml")));

  private static JsonArray vectors() throws Exception {
    return new JsonArray(Files.readString(VECTORS));
  }

  @Test
  void everyShippedSchemeHasAVector() throws Exception {
    List<String> schemes = new ArrayList<>();
    vectors().forEach(v -> schemes.add(((JsonObject) v).getString("scheme")));
    assertThat(schemes).containsExactlyInAnyOrderElementsOf(dialects.schemeNames());
  }

  @Test
  void hookgateRendersAndSignsEachVectorExactly() throws Exception {
    for (Object o : vectors()) {
      JsonObject v = (JsonObject) o;
      SignatureScheme scheme = dialects.scheme(v.getString("scheme"));
      List<byte[]> keys = new ArrayList<>();
      v.getJsonArray("secrets").forEach(secret -> keys.add(scheme.key((String) secret)));
      Dialect.Request request = dialects.dialect(v.getString("payload_format"), scheme.name())
        .request(v.getString("event_id"), v.getString("type"), v.getString("envelope"), keys, v.getLong("at_epoch_ms"));

      assertThat(new String(request.body(), StandardCharsets.UTF_8)).as(scheme.name()).isEqualTo(v.getString("body"));
      Map<String, String> headers = new LinkedHashMap<>();
      request.headers().forEach(h -> headers.put(h.name(), h.value()));
      assertThat(headers).as(scheme.name()).isEqualTo(v.getJsonObject("headers").getMap());
      assertThat(request.query()).as(scheme.name()).isEqualTo(v.getString("query"));
    }
  }

  @Test
  void nodeVerifiesEveryVectorWithEitherSecretAndNoOther() throws Exception {
    List<NodeVerifier.Case> cases = new ArrayList<>();
    List<Boolean> expected = new ArrayList<>();
    for (Object o : vectors()) {
      JsonObject v = (JsonObject) o;
      Map<String, String> headers = new HashMap<>();
      v.getJsonObject("headers").forEach(h -> headers.put(h.getKey(), (String) h.getValue()));
      Map<String, String> query = query(v.getString("query"));
      for (Object secret : v.getJsonArray("secrets")) {
        cases.add(new NodeVerifier.Case(v.getString("scheme"), (String) secret, headers, query, v.getString("body")));
        expected.add(true);
      }
      cases.add(new NodeVerifier.Case(v.getString("scheme"), WRONG_SECRET, headers, query, v.getString("body")));
      expected.add(false);
      // A body changed by one character verifies with no secret.
      cases.add(new NodeVerifier.Case(v.getString("scheme"), v.getJsonArray("secrets").getString(0), headers, query,
        v.getString("body").replace("pending", "Pending")));
      expected.add(false);
    }
    assertThat(NodeVerifier.verify(cases)).isEqualTo(expected);
  }

  @Test
  void theStandardVectorVerifiesWithTheStandardWebhooksLibraryWithEitherSecret() throws Exception {
    JsonObject v = (JsonObject) vectors().stream().filter(o -> ((JsonObject) o).getString("scheme").equals("standard"))
      .findFirst().orElseThrow();
    Map<String, List<String>> headers = new HashMap<>();
    v.getJsonObject("headers").forEach(h -> headers.put(h.getKey(), List.of((String) h.getValue())));
    for (Object secret : v.getJsonArray("secrets")) {
      // The library checks the timestamp against now: verify the signature itself, at the vector's time.
      String signed = new Webhook((String) secret).sign(v.getString("event_id"), v.getLong("at_epoch_ms") / 1000,
        v.getString("body"));
      assertThat(v.getJsonObject("headers").getString("webhook-signature").split(" ")).contains(signed);
    }
  }

  @Test
  void theShoplineVectorSignsTheBodyWithItsKeysSortedAsJavascriptWritesIt() throws Exception {
    // Integer-like keys first in numeric order, then the rest by code unit; 1.0E-7 written as JavaScript does.
    JsonObject body = new JsonObject("{\"b\":1,\"10\":2,\"9\":3,\"A\":{\"z\":1e-7,\"a\":26000.50}}");
    String canonical = CanonicalJson.write(new com.fasterxml.jackson.databind.ObjectMapper().readTree(body.encode()));
    assertThat(canonical).isEqualTo("{\"9\":3,\"10\":2,\"A\":{\"a\":26000.5,\"z\":1e-7},\"b\":1}");
  }

  @Test
  void shoplineSignsAwkwardBodiesTheWayJavascriptWritesThem() {
    // Numbers JavaScript writes in other notations, keys it orders differently, strings it escapes.
    List<String> data = List.of(
      "{\"big\":1e21,\"small\":1e-7,\"edge\":0.000001,\"long\":123456789012345678,\"neg\":-0.0,\"frac\":0.1}",
      "{\"2\":\"b\",\"10\":\"a\",\"01\":\"c\",\"4294967295\":\"d\",\"Z\":1,\"a\":2,\"é\":3,\"\uD83D\uDE00\":4}",
      "{\"s\":\"line\\u2028sep \\u0001 \\u001f \\\" \\\\ / \\u007f end\",\"n\":null,\"t\":[true,false,[],{}]}");
    Dialect shopline = dialects.dialect("shopline", "shopline");
    String secret = "shopline-app-secret-0123456789abcdef";
    List<NodeVerifier.Case> cases = new ArrayList<>();
    for (String d : data) {
      String envelope = "{\"id\":\"evt_awkward\",\"type\":\"order.created\",\"created_at\":\"2021-01-26T08:08:41Z\","
        + "\"merchant_id\":\"m\",\"livemode\":true,\"data\":" + d + "}";
      Dialect.Request request = shopline.request("evt_awkward", "order.created", envelope,
        List.of(dialects.scheme("shopline").key(secret)), 1_611_648_521_000L);
      Map<String, String> headers = new HashMap<>();
      request.headers().forEach(h -> headers.put(h.name(), h.value()));
      cases.add(new NodeVerifier.Case("shopline", secret, headers, query(request.query()),
        new String(request.body(), StandardCharsets.UTF_8)));
    }
    assertThat(NodeVerifier.verify(cases)).containsOnly(true).hasSize(data.size());
  }

  private static Map<String, String> query(String query) {
    Map<String, String> params = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }
}
