package io.hookgate.cluster;

import io.hookgate.config.HookgateConfig;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestDatabase;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Members that require mutual TLS on the event bus still share the work: jobs cross it encrypted. */
@Slow
class ClusterTlsTest {

  @Test
  void membersWithMutualTlsDeliverTogether() {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("hookgate-member");
    Vertx vertx = Vertx.vertx();
    HookgateConfig.Database database = TestDatabase.fresh();
    Consumer<JsonObject> settings = TestGateway.clustered("hookgate-tls-" + UUID.randomUUID(), 16201,
      tree -> tree.getJsonObject("cluster").put("tls", new JsonObject().put("enabled", true)
        .put("cert-file", certificate.certificatePath()).put("key-file", certificate.privateKeyPath())
        // The member certificate is its own CA here; in production, a CA that signs every member's certificate.
        .put("ca-file", certificate.certificatePath())));
    try (Receiver receiver = Receiver.start(vertx);
         TestGateway a = TestGateway.start(database, settings);
         TestGateway b = TestGateway.start(database, settings)) {
      eventually(() -> a.gateway().membership().members() == 2 && b.gateway().membership().members() == 2, 30_000,
        "two members");
      eventually(() -> a.gateway().limits().settled() && b.gateway().limits().settled(), 20_000, "the split to settle");
      String token = a.partnerToken("tls-app");
      a.subscribe(token, receiver.url(), "order.created");
      eventually(() -> b.gateway().subscriptions().size() == 1, 5_000, "b to know the subscription");
      Set<String> acknowledged = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        acknowledged.add(a.ingest(TestGateway.event("order.created", new JsonObject().put("i", i))).getString("id"));
      }
      eventually(() -> receiver.received().stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet())
        .containsAll(acknowledged), 20_000, "every event delivered");
      // Point-to-point jobs went to both members: the event bus between them works under mutual TLS.
      eventually(() -> b.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == 30, 10_000,
        "every delivery recorded");
      assertThat(b.gateway().config().cluster().tls()).isNotNull();
      java.util.regex.Matcher bSuccesses = java.util.regex.Pattern.compile(
        "hookgate_deliveries_total\\{outcome=\"success\"} ([0-9.]+)").matcher(
        b.send(io.vertx.core.http.HttpMethod.GET, "/metrics", null, null).bodyAsString());
      assertThat(bSuccesses.find()).isTrue();
      assertThat(Double.parseDouble(bSuccesses.group(1))).as("deliveries made by the member that ingested none").isPositive();
    } finally {
      certificate.delete();
      TestGateway.await(vertx.close());
    }
  }
}
