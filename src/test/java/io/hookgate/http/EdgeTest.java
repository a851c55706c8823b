package io.hookgate.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookgate.support.RawHttp;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API's edge: who is asked first, slow and vanishing callers, the address it listens on. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("http").put("read-timeout", "1s")));
  private RawHttp http;

  @BeforeAll
  void start() {
    http = new RawHttp(gw.port());
  }

  /** Credentials come before anything in the body is looked at: bad bodies without them are 401, not 400. */
  @Test
  void callersWithoutCredentialsAreRefusedBeforeTheirBodyIsRead() {
    for (String path : List.of("/api/v1/events", "/api/v1/applications", "/api/partner/v1/webhooks")) {
      HttpResponse<Buffer> response = gw.sendRaw(HttpMethod.POST, path, null, "application/json", Buffer.buffer("{"));
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
      HttpResponse<Buffer> wrongType = gw.sendRaw(HttpMethod.POST, path, "wrong-key", "text/plain", Buffer.buffer("x"));
      assertThat(wrongType.statusCode()).as(path).isEqualTo(401);
    }
    String readOnly = gw.token(gw.createApplication("edge-read-only"), "read:webhooks");
    HttpResponse<Buffer> scope = gw.sendRaw(HttpMethod.POST, "/api/partner/v1/webhooks", readOnly, "application/json",
      Buffer.buffer("{"));
    assertThat(scope.statusCode()).isEqualTo(403);
  }

  @Test
  void emptyOrMalformedDatesAreRefused() {
    String token = gw.partnerToken("edge-dates");
    String id = gw.subscribe(token, "https://hooks.example.com/edge", "order.created").getString("id");
    for (JsonObject body : List.of(new JsonObject().put("since", "2024-01-01").put("until", ""),
      new JsonObject().put("since", ""), new JsonObject().put("since", "2024-01-01").put("until", "2024-02-30"),
      new JsonObject().put("since", "+200000-01-01T00:00:00Z"))) {
      HttpResponse<Buffer> response = gw.send(HttpMethod.POST, "/api/partner/v1/webhooks/" + id + "/recover", token, body);
      assertThat(response.statusCode()).as(body.encode()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("message")).as(body.encode()).containsAnyOf("since", "until");
    }
    assertThat(gw.send(HttpMethod.GET, "/api/partner/v1/deliveries?from_date=", token, null).statusCode()).isEqualTo(400);
  }

  /** A caller sending a byte at a time (slowloris) loses its connection at the read timeout (1 s here). */
  @Test
  void slowCallersAreCutOff() throws Exception {
    assertThat(trickle("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(40))).as("headers").isTrue();
    assertThat(trickle("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestGateway.ADMIN_KEY
      + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n" + "{".repeat(40))).as("body").isTrue();
    // An idle kept-alive connection is closed too once the read timeout passes without a request.
    try (Socket socket = new Socket("127.0.0.1", gw.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      int read = in.read(buffer);
      assertThat(new String(buffer, 0, read, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      assertThat(drainUntilClosed(in)).as("closed after the read timeout").isTrue();
    }
  }

  /** Sends the text a byte every 200 ms for at most 10 s; true when the gateway closed the connection first. */
  private boolean trickle(String text) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.port())) {
      socket.setSoTimeout(200);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < bytes.length && i < 50; i++) {
        try {
          out.write(bytes[i]);
          out.flush();
        } catch (IOException closed) {
          return true;
        }
        try {
          if (in.read() < 0) {
            return true;
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          // nothing yet: keep trickling
        } catch (IOException reset) {
          return true;
        }
      }
      return false;
    }
  }

  private static boolean drainUntilClosed(InputStream in) {
    try {
      while (in.read() >= 0) {
        // an answer may still be arriving
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Callers that go away mid-request are theirs to worry about: nothing is logged at ERROR for them. */
  @Test
  void callersThatGoAwayAreNotLoggedAsErrors() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger edge = (Logger) LoggerFactory.getLogger("io.hookgate.http.Edge");
    Level edgeLevel = edge.getLevel();
    edge.setLevel(Level.DEBUG);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    root.addAppender(events);
    try {
      for (int i = 0; i < 20; i++) {
        try (Socket socket = new Socket("127.0.0.1", gw.port())) {
          socket.getOutputStream().write(("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + TestGateway.ADMIN_KEY + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":")
            .getBytes(StandardCharsets.US_ASCII));
          socket.setSoLinger(true, 0);
        }
      }
      // Each reset has been seen (the edge notes it at debug) before the log is read for errors.
      Receiver.eventually(() -> events.list.stream().filter(e -> e.getLoggerName().endsWith(".Edge")
        && e.getFormattedMessage().startsWith("Connection from")).count() >= 20, 10_000, "every reset to be seen");
      RawHttp.Response after = http.send("GET /health HTTP/1.1", List.of("Host: x", "Connection: close"), null);
      assertThat(after.status()).isEqualTo(200);
      assertThat(events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
        .map(ILoggingEvent::getFormattedMessage)).isEmpty();
    } finally {
      root.detachAppender(events);
      edge.setLevel(edgeLevel);
    }
  }

  /** {@code http.host} is the only address the API answers on. */
  @Test
  void theApiListensOnTheConfiguredAddressOnly() {
    assertThat(http.send("GET /health HTTP/1.1", List.of("Host: x", "Connection: close"), null).status()).isEqualTo(200);
    assertThatThrownBy(() -> new Socket("127.0.0.2", gw.port()).close()).isInstanceOf(ConnectException.class);
    assertThatThrownBy(() -> new Socket("::1", gw.port()).close()).isInstanceOf(IOException.class);
  }
}
