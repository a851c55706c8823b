package io.hookgate.tracing;

import io.hookgate.http.RequestIds;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One event's ingest and every attempt of its delivery, retries included, form one trace that continues the
 * platform's {@code traceparent} and goes on in the webhook's; recorded with the OpenTelemetry SDK's in-memory
 * exporter. With tracing off (the default) no trace context is sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PLATFORM_SPAN = "00f067aa0ba902b7";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private TestGateway gw;

  @BeforeAll
  void start() {
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
      .build();
    gw = TestGateway.start(TestGateway.fastDelivery(), sdk);
  }

  @AfterAll
  void stop() {
    gw.close();
  }

  @Test
  void anEventsIngestAndAttemptsFormOneTrace() {
    AtomicInteger calls = new AtomicInteger();
    try (Receiver receiver = Receiver.start(gw.vertx())
      .behave(r -> Receiver.Reply.status(calls.incrementAndGet() < 3 ? 500 : 200))) {
      gw.subscribe(gw.partnerToken("traced"), receiver.url(), "order.created");
      HttpResponse<Buffer> accepted = TestGateway.await(gw.client().post("/api/v1/events")
        .bearerTokenAuthentication(TestGateway.ADMIN_KEY)
        .putHeader("traceparent", "00-" + TRACE_ID + "-" + PLATFORM_SPAN + "-01")
        .sendJsonObject(TestGateway.event("order.created", new JsonObject().put("order_id", "7")).put("id", "traced-1")));
      assertThat(accepted.statusCode()).isEqualTo(202);
      List<Receiver.Received> received = receiver.awaitCount(3, 15_000);
      Receiver.eventually(() -> attempts(TRACE_ID).size() == 3, 10_000, "three attempt spans");

      SpanData ingest = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(TRACE_ID)).findFirst().orElseThrow();
      assertThat(ingest.getName()).isEqualTo("POST /api/v1/events");
      assertThat(ingest.getParentSpanId()).isEqualTo(PLATFORM_SPAN);
      assertThat(ingest.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(202L);
      assertThat(ingest.getAttributes().get(AttributeKey.stringKey("hookgate.request_id")))
        .isEqualTo(accepted.getHeader(RequestIds.HEADER));

      List<SpanData> attempts = attempts(TRACE_ID);
      for (int i = 0; i < 3; i++) {
        SpanData attempt = attempts.get(i);
        assertThat(attempt.getParentSpanId()).as("attempt %d is a child of the ingest span", i + 1)
          .isEqualTo(ingest.getSpanId());
        assertThat(attempt.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(attempt.getAttributes().get(AttributeKey.longKey("hookgate.attempt"))).isEqualTo(i + 1L);
        assertThat(attempt.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
        assertThat(attempt.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo((long) receiver.port());
        assertThat(attempt.getAttributes().get(AttributeKey.stringKey("hookgate.event_id"))).isEqualTo("traced-1");
        // The partner's side of the trace starts at this attempt.
        assertThat(received.get(i).header("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + attempt.getSpanId() + "-01");
      }
      assertThat(attempts.get(0).getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(500L);
      assertThat(attempts.get(0).getAttributes().get(AttributeKey.stringKey("hookgate.failure_reason"))).isEqualTo("http_5xx");
      assertThat(attempts.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(attempts.get(2).getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
      assertThat(attempts.get(2).getAttributes().get(AttributeKey.stringKey("hookgate.failure_reason"))).isNull();
      assertThat(attempts.get(2).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = 'traced-1' AND traceparent LIKE $1",
        "00-" + TRACE_ID + "-" + ingest.getSpanId() + "-%")).isEqualTo(1);
    }
  }

  /** A platform that sends no trace context starts a trace at Hookgate's ingest span. */
  @Test
  void anEventWithoutTraceContextStartsATrace() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      gw.subscribe(gw.partnerToken("untraced-platform"), receiver.url(), "customer.created");
      gw.ingest(TestGateway.event("customer.created", new JsonObject()).put("id", "traced-2"));
      String traceparent = receiver.awaitCount(1, 10_000).get(0).header("traceparent");
      assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
      String traceId = traceparent.substring(3, 35);
      Receiver.eventually(() -> attempts(traceId).size() == 1, 10_000, "the attempt span");
      SpanData ingest = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId)).findFirst().orElseThrow();
      assertThat(ingest.getParentSpanContext().isValid()).isFalse();
      assertThat(attempts(traceId).get(0).getParentSpanId()).isEqualTo(ingest.getSpanId());
    }
  }

  /** Off, the default: the webhook carries no trace context and the event records none. */
  @Test
  void offByDefaultNothingIsSent() {
    try (TestGateway plain = TestGateway.start(TestGateway.fastDelivery());
         Receiver receiver = Receiver.start(plain.vertx())) {
      plain.subscribe(plain.partnerToken("untraced"), receiver.url(), "order.created");
      TestGateway.await(plain.client().post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
        .putHeader("traceparent", "00-" + TRACE_ID + "-" + PLATFORM_SPAN + "-01")
        .sendJsonObject(TestGateway.event("order.created", new JsonObject()).put("id", "untraced-1")));
      assertThat(receiver.awaitCount(1, 10_000).get(0).header("traceparent")).isNull();
      assertThat(plain.count("SELECT count(*) FROM events WHERE id = 'untraced-1' AND traceparent IS NULL")).isEqualTo(1);
    }
  }

  private List<SpanData> attempts(String traceId) {
    return spans.getFinishedSpanItems().stream()
      .filter(s -> s.getKind() == SpanKind.CLIENT && s.getTraceId().equals(traceId))
      .sorted(Comparator.comparing(s -> s.getAttributes().get(AttributeKey.longKey("hookgate.attempt"))))
      .toList();
  }
}
