package io.hookgate.auth;

import io.hookgate.application.ApplicationStore;
import io.hookgate.http.Operations;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
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
  private final ApplicationStore applications;
  private final TokenStore tokens;
  private final int ttlSeconds;

  public OAuthRoutes(ApplicationStore applications, TokenStore tokens, int ttlSeconds) {
    this.applications = applications;
    this.tokens = tokens;
    this.ttlSeconds = ttlSeconds;
  }

  public void mount(Operations ops) {
    ops.onUnvalidated("issueToken", this::token);
  }

  private record TokenRequest(String grantType, String clientId, String clientSecret, String scope, boolean basic) {
  }

  private void token(RoutingContext ctx) {
    TokenRequest request;
    try {
      request = parse(ctx);
    } catch (IllegalArgumentException e) {
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
    applications.credentials(request.clientId()).onSuccess(client -> {
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
      tokens.save(token, client.applicationId(), granted, Instant.now().plusSeconds(ttlSeconds))
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
    MultiMap fields = MultiMap.caseInsensitiveMultiMap();
    if (contentType != null && contentType.toLowerCase().startsWith("application/json")) {
      JsonObject json;
      try {
        json = ctx.body().asJsonObject();
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("Request body is not valid JSON");
      }
      if (json != null) {
        json.forEach(e -> {
          if (e.getValue() instanceof String s) {
            fields.add(e.getKey(), s);
          } else if (e.getValue() != null) {
            throw new IllegalArgumentException(e.getKey() + " must be a string");
          }
        });
      }
    } else if (contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      fields.addAll(ctx.request().formAttributes());
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
        decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
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
      clientId = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
      clientSecret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
      basic = true;
    }
    return new TokenRequest(fields.get("grant_type"), clientId, clientSecret, fields.get("scope"), basic);
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
