package io.hookgate.ops;

import io.hookgate.http.ApiContract;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.reflect.Field;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input limits are defined by the OpenAPI document, which requests are validated against before any
 * handler runs. The few handlers that check a limit again (a value that also arrives outside a validated
 * body, or a message that names the bound) keep a constant; each must say what the document says.
 */
class InputLimitsTest {
  private static final JsonObject SCHEMAS = ApiContract.load().forValidation().getJsonObject("components")
    .getJsonObject("schemas");

  @ParameterizedTest(name = "{0}.{1} = {2}")
  @CsvSource({
    "catalog.EventType,             MAX_NAME_LENGTH,   /EventTypeCreate/properties/name/maxLength",
    "catalog.EventTypeRoutes,       MAX_DESCRIPTION,   /EventTypeCreate/properties/description/maxLength",
    "catalog.EventTypeRoutes,       MAX_DESCRIPTION,   /EventTypeUpdate/properties/description/maxLength",
    "outbound.EndpointUrls,         MAX_LENGTH,        /WebhookCreate/properties/url/maxLength",
    "outbound.EndpointUrls,         MAX_LENGTH,        /WebhookUpdate/properties/url/maxLength",
    "subscription.SigningSecrets,   MIN_LENGTH,        /WebhookCreate/properties/secret_key/minLength",
    "subscription.SigningSecrets,   MAX_LENGTH,        /WebhookCreate/properties/secret_key/maxLength",
    "subscription.SigningSecrets,   MIN_LENGTH,        /RotateRequest/properties/secret_key/minLength",
    "subscription.SigningSecrets,   MAX_LENGTH,        /RotateRequest/properties/secret_key/maxLength",
    "subscription.EventSelection,   MAX_EVENTS,        /WebhookCreate/properties/events/maxItems",
    "subscription.EventSelection,   MAX_EVENTS,        /WebhookUpdate/properties/events/maxItems",
    "subscription.SubscriptionFilter, MAX_VALUES,      /Filter/properties/merchant_ids/maxItems",
    "subscription.SubscriptionFilter, MAX_VALUES,      /Filter/properties/inventory_locations/maxItems",
    "partner.SubscriptionRoutes,    MAX_DESCRIPTION,   /WebhookCreate/properties/description/maxLength",
    "partner.SubscriptionRoutes,    MAX_DESCRIPTION,   /WebhookUpdate/properties/description/maxLength",
    "partner.SubscriptionRoutes,    MAX_GRACE_SECONDS, /RotateRequest/properties/grace_period_seconds/maximum",
    "partner.SubscriptionRoutes,    MIN_RATE_LIMIT,    /RateLimitPerSecond/minimum",
    "partner.SubscriptionRoutes,    MAX_RATE_LIMIT,    /RateLimitPerSecond/maximum",
    "partner.RegistrationRoutes,    MAX_LOCATIONS,     /RegistrationRequest/properties/sync_inventory_location/maxItems",
    "partner.RegistrationRoutes,    MAX_CODE_LENGTH,   /RegistrationRequest/properties/sync_inventory_location/items/maxLength",
    "partner.RegistrationRoutes,    MAX_CODE_LENGTH,   /RegistrationRequest/properties/external_partner_id/maxLength",
  })
  void constantsSayWhatTheDocumentSays(String owner, String constant, String pointer) throws Exception {
    Field field = Class.forName("io.hookgate." + owner).getDeclaredField(constant);
    field.setAccessible(true);
    Object inDocument = JsonPointer.from(pointer).queryJson(SCHEMAS);
    assertThat(inDocument).as("%s in the OpenAPI document", pointer).isNotNull();
    assertThat(((Number) field.get(null)).longValue()).isEqualTo(((Number) inDocument).longValue());
  }
}
