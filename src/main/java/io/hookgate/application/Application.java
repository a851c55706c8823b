package io.hookgate.application;

import io.hookgate.http.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A partner application: the OAuth2 client that owns webhook subscriptions, with the dialect its new
 * subscriptions get when they name none (null names: the configured default).
 */
record Application(UUID id, String name, String clientId, List<String> scopes,
                          OffsetDateTime createdAt, OffsetDateTime updatedAt, ApplicationStore.DefaultDialect dialect) {

  static Application from(Row row) {
    return new Application(row.getUUID("id"), row.getString("name"), row.getString("client_id"),
      List.of(row.getArrayOfStrings("scopes")), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"),
      new ApplicationStore.DefaultDialect(row.getString("payload_format"), row.getString("signature_scheme")));
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id.toString())
      .put("name", name)
      .put("client_id", clientId)
      .put("scopes", Json.array(scopes))
      .put("payload_format", dialect.payloadFormat())
      .put("signature_scheme", dialect.signatureScheme())
      .put("created_at", Json.timestamp(createdAt))
      .put("updated_at", Json.timestamp(updatedAt));
  }
}
