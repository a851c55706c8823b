package io.hookgate.dialect;

import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.outbound.Signer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What rendering and signing one delivery costs on the hot path, per dialect and per template language
 * (docs/decisions/012-jslt-payload-templates.md): the stored envelope with Standard Webhooks, the Omise and
 * Shopline templates in JSLT through {@link Dialect}, and the Omise template in JSONata (dashjoin) for
 * comparison. One thread, a 1 KB event like the load test's; warm-up, then the median of several rounds.
 *
 * <pre>mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.hookgate.dialect.TemplateCost</pre>
 */
public final class TemplateCost {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile int sink;

  private TemplateCost() {
  }

  public static void main(String[] args) throws Exception {
    Dialects dialects = Dialects.load(Path.of("conf", "dialects.yaml"),
      EventTypeCatalogFile.aliases(Path.of("conf", "event-types.yaml")));
    String envelope = "{\"id\":\"lt-1-123456\",\"type\":\"order.created\",\"created_at\":\"2026-11-29T10:00:00.123Z\","
      + "\"merchant_id\":\"shop-1\",\"livemode\":true,\"data\":{\"order_id\":123456,\"padding\":\""
      + "x".repeat(880) + "\",\"total\":{\"cents\":26000.5,\"currency_iso\":\"TWD\"}}}";
    List<byte[]> keys = List.of(Signer.key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    long now = System.currentTimeMillis();

    Dialect standard = dialects.dialect("standard", "standard");
    Dialect omise = dialects.dialect("omise", "omise");
    Dialect shopline = dialects.dialect("shopline", "shopline");
    Jsonata omiseJsonata = Jsonata.jsonata("""
      {"object": "event", "id": id, "livemode": livemode, "location": "/events/" & id, "key": alias,
       "created": occurred_at, "data": data}""");
    SignatureScheme omiseScheme = dialects.scheme("omise");

    Map<String, Supplier<Object>> cases = new java.util.LinkedHashMap<>();
    cases.put("before dialects (Signer.header over the stored bytes)",
      () -> Signer.header(keys, "lt-1-123456", now / 1000, envelope.getBytes(StandardCharsets.UTF_8)));
    cases.put("standard (stored envelope, Standard Webhooks)",
      () -> standard.request("lt-1-123456", "order.created", envelope, keys, now));
    cases.put("omise (JSLT template, hex HMAC)", () -> omise.request("lt-1-123456", "order.created", envelope, keys, now));
    cases.put("shopline (JSLT template, sorted-keys HMAC in query)",
      () -> shopline.request("lt-1-123456", "order.created", envelope, keys, now));
    cases.put("omise in JSONata (parse, render, write, same HMAC)", () -> {
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> event = JSON.readValue(envelope, Map.class);
        event.put("alias", "order.created");
        event.put("occurred_at", event.get("created_at"));
        byte[] body = JSON.writeValueAsBytes(omiseJsonata.evaluate(event));
        return omiseScheme.sign(keys, new SignatureScheme.Fields() {
          public byte[] body() {
            return body;
          }

          public byte[] sortedBody() {
            throw new UnsupportedOperationException();
          }

          public String value(String name) {
            return "1764410400";
          }
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    System.out.println("Same output check, omise JSLT body: "
      + new String(omise.request("lt-1-123456", "order.created", envelope, keys, now).body(), StandardCharsets.UTF_8)
        .substring(0, 120) + "…");
    for (Map.Entry<String, Supplier<Object>> c : cases.entrySet()) {
      System.out.printf("%-55s %8.2f µs per delivery%n", c.getKey(), median(c.getValue()) / 1000);
    }
  }

  /** Nanoseconds per call: 3 s of warm-up, then the median of 7 rounds of 1 s. */
  private static double median(Supplier<Object> work) {
    run(work, 3_000);
    List<Double> rounds = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      rounds.add(run(work, 1_000));
    }
    Collections.sort(rounds);
    return rounds.get(rounds.size() / 2);
  }

  private static double run(Supplier<Object> work, long ms) {
    long end = System.nanoTime() + ms * 1_000_000;
    long n = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      for (int i = 0; i < 100; i++) {
        sink += work.get().hashCode();
      }
      n += 100;
    }
    return (double) (System.nanoTime() - start) / n;
  }
}
