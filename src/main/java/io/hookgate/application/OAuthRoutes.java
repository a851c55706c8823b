package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Scopes;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.MediaTypes;
import io.hookgate.http.Operations;
import io.hookgate.http.UrlText;
import io.hookgate.http.Utf8;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code POST /api/partner/v1/oauth/token}: the OAuth2 client-credentials grant (RFC 6749 §4.4).
 *
 * <p>Accepts a form-encoded body (the RFC's format) or JSON; client credentials in the body or by
 * HTTP Basic. Errors use RFC 6749 §5.2 codes ({@code invalid_request}, {@code invalid_client},
 * {@code unsupported_grant_type}, {@code invalid_scope}) so OAuth client libraries understand them,
 * plus Hookgate's {@code message}.
 */
public final class OAuthRoutes {
  /** A token request is a few short fields; anything longer is not one. */
  private static final int MAX_BODY_BYTES = 8192;
  /** Longer than any client id or secret this gateway issues. */
  private static final int MAX_CREDENTIAL_LENGTH = 200;

  private final Pool pool;
  private final ApplicationStore applications;
  private final int ttlSeconds;

  public OAuthRoutes(Pool pool, ApplicationStore applications, int ttlSeconds) {
    this.pool = pool;
    this.applications = applications;
    this.ttlSeconds = ttlSeconds;
  }

  public void mount(Operations ops) {
    ops.onRawBody("issueToken", MAX_BODY_BYTES, this::token);
  }

  private record TokenRequest(String grantType, String clientId, String clientSecret, String scope, boolean basic) {
  }

  private void token(RoutingContext ctx) {
    TokenRequest request;
    try {
      request = parse(ctx);
    } catch (IllegalArgumentException | ApiError e) {
      error(ctx, 400, "invalid_request", e.getMessage(), false);
      return;
    }
    if (!"client_credentials".equals(request.grantType())) {
      error(ctx, 400, "unsupported_grant_type", "grant_type must be client_credentials", false);
      return;
    }
    if (request.clientId() == null || request.clientSecret() == null) {
      error(ctx, 401, "invalid_client", "client_id and client_secret are required", request.basic());
      return;
    }
    applications.credentials(pool, request.clientId()).onSuccess(client -> {
      if (client == null || !Credentials.matches(request.clientSecret(), client.secretHash())) {
        error(ctx, 401, "invalid_client", "Client authentication failed", request.basic());
        return;
      }
      Set<String> requested = Scopes.parse(request.scope());
      Set<String> granted = requested.isEmpty() ? new LinkedHashSet<>(client.scopes()) : requested;
      for (String scope : granted) {
        if (!client.scopes().contains(scope)) {
          error(ctx, 400, "invalid_scope", "Scope " + scope + " is not allowed for this application", false);
          return;
        }
      }
      String token = Credentials.random("hgt_");
      applications.saveToken(pool, token, client.applicationId(), granted, Instant.now().plusSeconds(ttlSeconds))
        .onSuccess(v -> reply(ctx, 200, new JsonObject()
          .put("access_token", token)
          .put("token_type", "Bearer")
          .put("expires_in", ttlSeconds)
          .put("scope", String.join(" ", granted))))
        .onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private static TokenRequest parse(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    Buffer body = Operations.rawBody(ctx);
    MultiMap fields = MultiMap.caseInsensitiveMultiMap();
    if (MediaTypes.is(contentType, MediaTypes.JSON)) {
      Object json = Json.request(body);
      if (!(json instanceof JsonObject object)) {
        throw new IllegalArgumentException("Request body must be a JSON object");
      }
      object.forEach(e -> {
        if (e.getValue() instanceof String s) {
          fields.add(e.getKey(), s);
        } else if (e.getValue() != null) {
          throw new IllegalArgumentException(e.getKey() + " must be a string");
        }
      });
    } else if (MediaTypes.is(contentType, MediaTypes.FORM)) {
      try {
        fields.addAll(UrlText.form(Utf8.text(body.getBytes(), "The form body"), "form field"));
      } catch (UrlText.Malformed e) {
        throw new IllegalArgumentException(e.getMessage());
      }
    } else {
      throw new IllegalArgumentException("Content-Type must be application/x-www-form-urlencoded or application/json");
    }
    String clientId = fields.get("client_id");
    String clientSecret = fields.get("client_secret");
    boolean basic = false;
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      String decoded;
      try {
        decoded = Utf8.text(Base64.getDecoder().decode(authorization.substring(6).trim()), "Authorization: Basic");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Authorization: Basic must carry base64 client_id:client_secret");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("Authorization: Basic must carry client_id:client_secret");
      }
      if (clientId != null || clientSecret != null) {
        throw new IllegalArgumentException("Send client credentials either in the body or by HTTP Basic, not both");
      }
      // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
      try {
        clientId = UrlText.decode(decoded.substring(0, colon), true);
        clientSecret = UrlText.decode(decoded.substring(colon + 1), true);
      } catch (UrlText.Malformed e) {
        throw new IllegalArgumentException("Authorization: Basic credentials " + e.getMessage());
      }
      basic = true;
    }
    return new TokenRequest(fields.get("grant_type"), bounded(clientId), bounded(clientSecret), fields.get("scope"), basic);
  }

  /** A credential no client could have (too long, or holding a control character) is treated as a wrong one. */
  private static String bounded(String credential) {
    if (credential == null || credential.length() > MAX_CREDENTIAL_LENGTH) {
      return credential == null ? null : "";
    }
    return credential.chars().anyMatch(c -> c < 0x20) ? "" : credential;
  }

  private static void error(RoutingContext ctx, int status, String code, String message, boolean basic) {
    if (basic && status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"hookgate\"");
    }
    reply(ctx, status, new JsonObject().put("error", code).put("error_description", message).put("message", message));
  }

  private static void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .putHeader("Pragma", "no-cache")
      .end(body.toBuffer());
  }
}
