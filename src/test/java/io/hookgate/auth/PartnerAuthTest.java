package io.hookgate.auth;

import io.hookgate.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartnerAuthTest {
  private static final String TOKEN = "/api/partner/v1/oauth/token";
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(tree -> tree.getJsonObject("api").put("partner-rate-limit-per-second", 5)
    .put("partner-rate-limit-burst", 5));
  private JsonObject app;

  @BeforeAll
  void start() {
    app = gw.createApplication("auth-app");
  }

  private MultiMap form(String... pairs) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      form.add(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private HttpResponse<Buffer> post(MultiMap form) {
    return TestGateway.await(gw.client().post(TOKEN).sendForm(form));
  }

  private static void assertOAuthError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(code);
    assertThat(response.bodyAsJsonObject().getString("error_description")).isNotBlank();
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void formEncodedClientCredentialsGrant() {
    HttpResponse<Buffer> response = post(form("grant_type", "client_credentials",
      "client_id", app.getString("client_id"), "client_secret", app.getString("client_secret")));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("access_token")).startsWith("hgt_");
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.getInteger("expires_in")).isEqualTo(3600);
    assertThat(body.getString("scope")).isEqualTo("read:webhooks write:webhooks");

    // Stored only as its SHA-256 hash.
    String token = body.getString("access_token");
    assertThat(gw.count("SELECT count(*) FROM access_tokens WHERE token_hash = $1",
      Buffer.buffer(sha256(token)))).isEqualTo(1);
    assertThat(gw.count("SELECT count(*) FROM access_tokens WHERE encode(token_hash, 'escape') LIKE '%hgt_%'")).isZero();
    assertThat(gw.send(GET, "/api/partner/v1/webhooks", token, null).statusCode()).isEqualTo(200);
  }

  @Test
  void httpBasicAndJsonBodiesAreAccepted() {
    String basic = Base64.getEncoder().encodeToString(
      (app.getString("client_id") + ":" + app.getString("client_secret")).getBytes(StandardCharsets.UTF_8));
    HttpRequest<Buffer> request = gw.client().post(TOKEN).putHeader("Authorization", "Basic " + basic);
    HttpResponse<Buffer> viaBasic = TestGateway.await(request.sendForm(form("grant_type", "client_credentials",
      "scope", "read:webhooks")));
    assertThat(viaBasic.statusCode()).as(viaBasic.bodyAsString()).isEqualTo(200);
    assertThat(viaBasic.bodyAsJsonObject().getString("scope")).isEqualTo("read:webhooks");

    HttpResponse<Buffer> viaJson = TestGateway.await(gw.client().post(TOKEN).sendJsonObject(new JsonObject()
      .put("grant_type", "client_credentials").put("client_id", app.getString("client_id"))
      .put("client_secret", app.getString("client_secret")).put("scope", "write:webhooks")));
    assertThat(viaJson.statusCode()).as(viaJson.bodyAsString()).isEqualTo(200);
    assertThat(viaJson.bodyAsJsonObject().getString("scope")).isEqualTo("write:webhooks");
  }

  @Test
  void badClientsAndGrantsAreRefused() {
    long before = gw.count("SELECT count(*) FROM access_tokens");
    assertOAuthError(post(form("grant_type", "client_credentials", "client_id", app.getString("client_id"),
      "client_secret", "hgs_wrong")), 401, "invalid_client");
    assertOAuthError(post(form("grant_type", "client_credentials", "client_id", "hga_nobody",
      "client_secret", app.getString("client_secret"))), 401, "invalid_client");
    assertOAuthError(post(form("grant_type", "client_credentials")), 401, "invalid_client");
    assertOAuthError(post(form("grant_type", "password", "client_id", app.getString("client_id"),
      "client_secret", app.getString("client_secret"))), 400, "unsupported_grant_type");
    assertOAuthError(post(form("client_id", app.getString("client_id"),
      "client_secret", app.getString("client_secret"))), 400, "unsupported_grant_type");
    assertOAuthError(post(form("grant_type", "client_credentials", "client_id", app.getString("client_id"),
      "client_secret", app.getString("client_secret"), "scope", "read:webhooks admin")), 400, "invalid_scope");
    assertOAuthError(TestGateway.await(gw.client().post(TOKEN).putHeader("Content-Type", "text/plain")
      .sendBuffer(Buffer.buffer("grant_type=client_credentials"))), 400, "invalid_request");
    assertOAuthError(TestGateway.await(gw.client().post(TOKEN).putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer("{not json"))), 400, "invalid_request");
    HttpResponse<Buffer> badBasic = TestGateway.await(gw.client().post(TOKEN).putHeader("Authorization", "Basic "
      + Base64.getEncoder().encodeToString((app.getString("client_id") + ":nope").getBytes(StandardCharsets.UTF_8)))
      .sendForm(form("grant_type", "client_credentials")));
    assertOAuthError(badBasic, 401, "invalid_client");
    assertThat(badBasic.getHeader("WWW-Authenticate")).startsWith("Basic");
    assertThat(gw.count("SELECT count(*) FROM access_tokens")).isEqualTo(before);
  }

  @Test
  void aScopeTheApplicationLacksIsRefused() {
    JsonObject readOnlyApp = gw.createApplication("read-only-app", "read:webhooks");
    assertOAuthError(post(form("grant_type", "client_credentials", "client_id", readOnlyApp.getString("client_id"),
      "client_secret", readOnlyApp.getString("client_secret"), "scope", "write:webhooks")), 400, "invalid_scope");
    HttpResponse<Buffer> defaulted = post(form("grant_type", "client_credentials",
      "client_id", readOnlyApp.getString("client_id"), "client_secret", readOnlyApp.getString("client_secret")));
    assertThat(defaulted.bodyAsJsonObject().getString("scope")).isEqualTo("read:webhooks");
  }

  @Test
  void narrowingAnApplicationsScopesNarrowsItsLiveTokens() {
    JsonObject narrowed = gw.createApplication("narrowed-app");
    String token = gw.token(narrowed, null);
    gw.admin(PATCH, "/api/v1/applications/" + narrowed.getString("id"),
      new JsonObject().put("scopes", new io.vertx.core.json.JsonArray().add("write:webhooks")));
    HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/webhooks", token, null);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
  }

  @Test
  void expiredTokensAreUnauthorized() {
    JsonObject expiring = gw.createApplication("expiring-app");
    String token = gw.token(expiring, null);
    assertThat(gw.send(GET, "/api/partner/v1/webhooks", token, null).statusCode()).isEqualTo(200);
    gw.query("UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE application_id = $1",
      UUID.fromString(expiring.getString("id")));
    HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/webhooks", token, null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject())
      .isEqualTo(new JsonObject().put("error", "unauthorized").put("message", "Access token is invalid or expired"));
  }

  @Test
  void partnersOverTheirRateGet429() {
    String token = gw.partnerToken("chatty-app");
    int limited = 0;
    for (int i = 0; i < 20; i++) {
      HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/webhooks", token, null);
      if (response.statusCode() == 429) {
        limited++;
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
        assertThat(response.getHeader("Retry-After")).isNotBlank();
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
      }
    }
    assertThat(limited).isPositive();
    // Another application is not affected by the chatty one.
    assertThat(gw.send(GET, "/api/partner/v1/webhooks", gw.partnerToken("quiet-app"), null).statusCode()).isEqualTo(200);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
