package io.hookgate.outbound;

import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The SSRF guard with the shipped configuration (no private network allowed), and https required as in production. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SsrfGuardTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(tree -> tree.getJsonObject("delivery").put("scheduler-interval-ms", 50).put("require-https", true));

  @Test
  void internalAddressesAreRefusedAtCreateAndUpdate() {
    String token = gw.partnerToken("ssrf-app");
    long before = gw.count("SELECT count(*) FROM subscriptions");
    for (String url : List.of("https://127.0.0.1:8080/x", "https://localhost/x", "https://10.1.2.3/x", "https://172.16.0.1/x",
      "https://192.168.1.1/x", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/x", "https://[::1]/x",
      "https://[fd00::1]/x", "https://[fe80::1]/x", "https://0.0.0.0/x", "https://[::ffff:10.0.0.1]/x")) {
      HttpResponse<Buffer> response = gw.send(HttpMethod.POST, "/api/partner/v1/webhooks", token,
        new JsonObject().put("url", url).put("events", new JsonArray().add("order.created")));
      assertThat(response.statusCode()).as(url).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("message")).as(url).contains("url").contains("not allowed");
    }
    HttpResponse<Buffer> plain = gw.send(HttpMethod.POST, "/api/partner/v1/webhooks", token,
      new JsonObject().put("url", "http://hooks.example.com/x").put("events", new JsonArray().add("order.created")));
    assertThat(plain.statusCode()).isEqualTo(400);
    assertThat(plain.bodyAsJsonObject().getString("message")).contains("must use https");
    assertThat(gw.count("SELECT count(*) FROM subscriptions")).isEqualTo(before);

    // Spellings of internal addresses that resolvers read one way and URL checks another, and ports that are not ports.
    for (String url : List.of("https://198.51.100.10:99999/h", "https://198.51.100.10:0/h", "https://0x7f000001/h",
      "https://0177.0.0.1/h", "https://2130706433/h", "https://127.1/h", "https://[::127.0.0.1]/h", "https://localhost./h",
      "https://foo.localhost/h", "https://LOCALHOST/h", "https://1.2.3.04/h")) {
      HttpResponse<Buffer> response = gw.send(HttpMethod.POST, "/api/partner/v1/webhooks", token,
        new JsonObject().put("url", url).put("events", new JsonArray().add("order.created")));
      assertThat(response.statusCode()).as(url).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("message")).as(url).contains("url");
    }
    assertThat(gw.count("SELECT count(*) FROM subscriptions")).isEqualTo(before);

    String id = gw.subscribe(token, "https://hooks.example.com/x", "order.created").getString("id");
    HttpResponse<Buffer> update = gw.send(HttpMethod.PATCH, "/api/partner/v1/webhooks/" + id, token,
      new JsonObject().put("url", "https://127.0.0.1/admin"));
    assertThat(update.statusCode()).isEqualTo(400);
    assertThat(gw.count("SELECT count(*) FROM subscriptions WHERE url = 'https://hooks.example.com/x'")).isEqualTo(1);
  }

  /** A host that turns internal after the subscription was accepted (DNS rebinding) is refused at delivery. */
  @Test
  void deliveryChecksTheResolvedAddress() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("rebinding-app");
      JsonObject sub = gw.subscribe(token, "https://rebinding.example.com/x", "order.created");
      UUID id = UUID.fromString(sub.getString("id"));
      // The name now points at loopback: simulate with a host that resolves there.
      gw.query("UPDATE subscriptions SET url = $2 WHERE id = $1", id, "http://localhost:" + receiver.port() + "/hooks");
      gw.gateway().vertx().eventBus().publish(SubscriptionIndex.CHANGED, new JsonObject().put("id", id.toString()));
      eventually(() -> gw.gateway().subscriptions().get(id).url().startsWith("http://localhost"), 5_000,
        "the node to learn the new address");

      String event = gw.ingest(TestGateway.event("order.created", new JsonObject()).put("application_ids",
        new JsonArray().add(gw.query("SELECT application_id FROM subscriptions WHERE id = $1", id).iterator().next()
          .getUUID(0).toString()))).getString("id");
      eventually(() -> gw.count("SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
        + " WHERE d.event_id = $1 AND a.failure_reason = 'blocked_address'", event) >= 1, 10_000, "a blocked attempt");
      assertThat(receiver.count()).isZero();
      // Refused for good at once, not retried on the schedule: the address will not stop being internal.
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND status = 'failed' AND attempts = 1",
        event)).isEqualTo(1);
    }
  }

  @Test
  void policyCoversTheInternalRangesAndHonoursTheAllowList() throws Exception {
    AddressPolicy strict = new AddressPolicy(List.of());
    for (String internal : List.of("127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.1.1",
      "100.64.0.1", "100.127.255.255", "0.0.0.0", "::1", "fc00::1", "fd12::1", "fe80::1", "224.0.0.1", "255.255.255.255")) {
      assertThat(strict.permits(InetAddress.getByName(internal))).as(internal).isFalse();
    }
    for (String external : List.of("93.184.216.34", "8.8.8.8", "100.128.0.1", "172.32.0.1", "2606:4700::1111")) {
      assertThat(strict.permits(InetAddress.getByName(external))).as(external).isTrue();
    }
    AddressPolicy loopbackAllowed = new AddressPolicy(List.of("127.0.0.0/8"));
    assertThat(loopbackAllowed.permits(InetAddress.getByName("127.0.0.1"))).isTrue();
    assertThat(loopbackAllowed.permits(InetAddress.getByName("10.0.0.1"))).isFalse();
  }
}
