package io.hookgate.tracing;

import io.hookgate.config.HookgateConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * OpenTelemetry traces of an event's way through Hookgate: a server span for the platform's ingest request
 * (a child of the platform's {@code traceparent}), and a client span for each delivery attempt, a child of
 * the ingest span, whose context goes to the partner in the webhook's own {@code traceparent}. The ingest
 * span's context travels with the event: in its row (for retries) and in each delivery job on the event
 * bus, so every attempt of every delivery of one event is in the event's trace.
 *
 * <p>Off ({@link #OFF}, the default) every method returns at once and nothing is parsed, stored or sent.
 * On, spans are exported in batches over OTLP (gRPC or HTTP) to a collector.
 */
public final class Traces implements AutoCloseable {
  public static final Traces OFF = new Traces(null, null);
  public static final String TRACEPARENT = "traceparent";

  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> HOST = AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("hookgate.request_id");
  private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("hookgate.attempt");
  private static final AttributeKey<String> FAILURE = AttributeKey.stringKey("hookgate.failure_reason");
  private static final AttributeKey<String> DELIVERY = AttributeKey.stringKey("hookgate.delivery_id");
  private static final AttributeKey<String> EVENT = AttributeKey.stringKey("hookgate.event_id");
  private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("hookgate.event_type");
  private static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("hookgate.subscription_id");

  private static final TextMapGetter<UnaryOperator<String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(UnaryOperator<String> carrier) {
      return List.of(TRACEPARENT, "tracestate");
    }

    @Override
    public String get(UnaryOperator<String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };

  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;

  private Traces(OpenTelemetry openTelemetry, Tracer tracer) {
    this.openTelemetry = openTelemetry;
    this.tracer = tracer;
  }

  /** Traces as {@code tracing} in the config says: off, or exported over OTLP. */
  public static Traces from(HookgateConfig.Tracing tracing) {
    if (!tracing.enabled()) {
      return OFF;
    }
    SpanExporter exporter = tracing.otlpProtocol().equals("grpc")
      ? OtlpGrpcSpanExporter.builder().setEndpoint(tracing.otlpEndpoint()).build()
      : OtlpHttpSpanExporter.builder().setEndpoint(tracing.otlpEndpoint()).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
      .setResource(Resource.getDefault().merge(Resource.create(
        Attributes.of(AttributeKey.stringKey("service.name"), tracing.serviceName()))))
      .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(tracing.sampleRatio())))
      .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
      .build();
    return of(OpenTelemetrySdk.builder().setTracerProvider(provider)
      .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());
  }

  /** Traces through an OpenTelemetry built elsewhere (tests give the SDK with an in-memory exporter). */
  public static Traces of(OpenTelemetry openTelemetry) {
    return new Traces(openTelemetry, openTelemetry.getTracer("io.hookgate"));
  }

  public boolean enabled() {
    return tracer != null;
  }

  /**
   * The span of an ingest request, a child of the caller's {@code traceparent} when it sent one (read with
   * {@code headers}); null when tracing is off.
   */
  public Span ingest(UnaryOperator<String> headers, String method, String route, String requestId) {
    if (tracer == null) {
      return null;
    }
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
    return tracer.spanBuilder(method + " " + route).setParent(parent).setSpanKind(SpanKind.SERVER)
      .setAttribute(METHOD, method).setAttribute(ROUTE, route).setAttribute(REQUEST_ID, requestId)
      .startSpan();
  }

  public static void endIngest(Span span, int status) {
    if (span != null) {
      span.setAttribute(STATUS, (long) status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  /** The W3C {@code traceparent} of a span (null for none), as an event and its jobs carry it. */
  public String traceparent(Span span) {
    if (span == null) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(2);
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), carrier, Map::put);
    return carrier.get(TRACEPARENT);
  }

  /** What an attempt's span records of the delivery. */
  public record Delivery(String deliveryId, String eventId, String eventType, String subscriptionId, int attempt) {
  }

  /**
   * The span of one delivery attempt to {@code host}:{@code port}, a child of the event's {@code traceparent}
   * (a new trace when the event has none); null when tracing is off.
   */
  public Span attempt(String traceparent, Delivery delivery, String host, int port) {
    if (tracer == null) {
      return null;
    }
    Context parent = traceparent == null ? Context.root()
      : W3CTraceContextPropagator.getInstance().extract(Context.root(), name -> name.equals(TRACEPARENT) ? traceparent
        : null, HEADERS);
    return tracer.spanBuilder("webhook attempt").setParent(parent).setSpanKind(SpanKind.CLIENT)
      .setAttribute(HOST, host).setAttribute(PORT, (long) port).setAttribute(ATTEMPT, (long) delivery.attempt())
      .setAttribute(DELIVERY, delivery.deliveryId()).setAttribute(EVENT, delivery.eventId())
      .setAttribute(EVENT_TYPE, delivery.eventType()).setAttribute(SUBSCRIPTION, delivery.subscriptionId())
      .setAttribute(METHOD, "POST")
      .startSpan();
  }

  /** Ends an attempt's span with what came back: the status, or why there was none. */
  public static void endAttempt(Span span, Integer status, String failureReason) {
    if (span == null) {
      return;
    }
    if (status != null) {
      span.setAttribute(STATUS, (long) status);
    }
    if (failureReason != null) {
      span.setAttribute(FAILURE, failureReason);
      span.setStatus(StatusCode.ERROR, failureReason);
    }
    span.end();
  }

  /** Exports what is still buffered and stops. */
  @Override
  public void close() {
    if (openTelemetry instanceof OpenTelemetrySdk sdk) {
      sdk.close();
    }
  }
}
