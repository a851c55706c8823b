package io.hookgate.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookgate.logging.LogFields;
import io.hookgate.support.RawHttp;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every answer carries X-Request-Id; error bodies, the access log and stored events carry the same id. */
class RequestIdTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass();

  private HttpResponse<Buffer> get(String path, String requestId) {
    var request = gw.client().get(path);
    if (requestId != null) {
      request.putHeader(RequestIds.HEADER, requestId);
    }
    return TestGateway.await(request.send());
  }

  @Test
  void everyAnswerHasAnIdAndAWellFormedOneIsKept() {
    String made = get("/health", null).getHeader(RequestIds.HEADER);
    assertThat(made).matches("[0-9a-f]{32}");
    assertThat(get("/health", null).getHeader(RequestIds.HEADER)).isNotEqualTo(made);
    assertThat(get("/health", "req-42.a_b:c").getHeader(RequestIds.HEADER)).isEqualTo("req-42.a_b:c");
    for (String malformed : List.of("has space", "x".repeat(129), "<script>", "caf\u00e9", "")) {
      assertThat(get("/health", malformed).getHeader(RequestIds.HEADER)).as(malformed).matches("[0-9a-f]{32}");
    }
  }

  @Test
  void errorBodiesNameTheRequest() {
    HttpResponse<Buffer> notFound = get("/no/such/path", "ticket-1");
    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(notFound.bodyAsJsonObject().getString("request_id")).isEqualTo("ticket-1");

    HttpResponse<Buffer> unauthorized = get("/api/v1/applications", "ticket-2");
    assertThat(unauthorized.statusCode()).isEqualTo(401);
    assertThat(unauthorized.bodyAsJsonObject().getString("request_id")).isEqualTo("ticket-2");

    HttpResponse<Buffer> invalid = gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("type", 7));
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.bodyAsJsonObject().getString("request_id")).isEqualTo(invalid.getHeader(RequestIds.HEADER));

    HttpResponse<Buffer> token = TestGateway.await(gw.client().post("/api/partner/v1/oauth/token")
      .putHeader(RequestIds.HEADER, "ticket-3").sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "client_credentials").add("client_id", "nobody").add("client_secret", "wrong")));
    assertThat(token.statusCode()).isEqualTo(401);
    assertThat(token.bodyAsJsonObject().getString("request_id")).isEqualTo("ticket-3");

    // A request the HTTP decoder refuses before any route still gets an id, in the header and the body.
    RawHttp.Response tooLong = new RawHttp(gw.port()).send("GET /" + "a".repeat(5000) + " HTTP/1.1",
      List.of("Host: 127.0.0.1"), new byte[0]);
    assertThat(tooLong.status()).isEqualTo(414);
    assertThat(tooLong.header(RequestIds.HEADER)).matches("[0-9a-f]{32}");
    assertThat(new JsonObject(tooLong.body()).getString("request_id")).isEqualTo(tooLong.header(RequestIds.HEADER));
  }

  @Test
  void theEventRecordsTheRequestThatStoredIt() {
    HttpResponse<Buffer> stored = TestGateway.await(gw.client().post("/api/v1/events")
      .bearerTokenAuthentication(TestGateway.ADMIN_KEY).putHeader(RequestIds.HEADER, "platform-req-1")
      .sendJsonObject(new JsonObject().put("id", "evt_request_id_1").put("type", "order.created")
        .put("data", new JsonObject())));
    assertThat(stored.statusCode()).isEqualTo(202);
    assertThat(stored.getHeader(RequestIds.HEADER)).isEqualTo("platform-req-1");
    // A resend under another request id is a duplicate: the event keeps the request that stored it.
    TestGateway.await(gw.client().post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
      .putHeader(RequestIds.HEADER, "platform-req-2").sendJsonObject(new JsonObject().put("id", "evt_request_id_1")
        .put("type", "order.created").put("data", new JsonObject())));
    assertThat(gw.event("evt_request_id_1").getString("request_id")).isEqualTo("platform-req-1");
    assertThat(gw.count("SELECT count(*) FROM events WHERE id = $1 AND request_id = $2", "evt_request_id_1",
      "platform-req-1")).isEqualTo(1);
  }

  @Test
  void theAccessLogCarriesTheIdAsAField() {
    Logger access = (Logger) LoggerFactory.getLogger("io.hookgate.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Level before = access.getLevel();
    access.addAppender(lines);
    access.setLevel(Level.INFO);
    try {
      get("/health", "access-1");
      // The access logger is shared with the gateways of tests running alongside: this request's line is the one
      // that names /health with its id.
      Receiver.eventually(() -> lines.list.stream().anyMatch(l -> l.getFormattedMessage().startsWith("GET /health 200")
        && "access-1".equals(l.getMDCPropertyMap().get(LogFields.REQUEST_ID))), 5_000,
        "an access log line for the request, carrying its id as a field");
    } finally {
      access.detachAppender(lines);
      access.setLevel(before);
    }
  }
}
