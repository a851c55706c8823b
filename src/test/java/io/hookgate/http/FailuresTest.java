package io.hookgate.http;

import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An unexpected failure becomes a 500 "internal" with a reference, never a stack trace or internal detail. */
class FailuresTest {
  @Test
  void unexpectedFailuresAnswer500WithoutInternals() {
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      router.get("/boom").handler(ctx -> {
        throw new IllegalStateException("connection to db-7.internal:5432 refused; password=hunter2");
      });
      router.route().failureHandler(new Failures(1024));
      HttpServer server = TestGateway.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
      HttpResponse<Buffer> response = TestGateway.await(WebClient.create(vertx)
        .get(server.actualPort(), "127.0.0.1", "/boom").send());
      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("internal");
      assertThat(response.bodyAsJsonObject().getString("message")).startsWith("Internal error (reference ");
      assertThat(response.bodyAsString()).doesNotContain("hunter2").doesNotContain("db-7").doesNotContain("Exception");
    } finally {
      TestGateway.await(vertx.close());
    }
  }
}
