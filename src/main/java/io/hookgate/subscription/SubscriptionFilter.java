package io.hookgate.subscription;

import io.hookgate.http.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Narrows which events of the subscribed types reach a subscription: by merchant (shop) id, and by
 * inventory location (Tiki's warehouse codes). An empty filter lets every event through.
 */
public record SubscriptionFilter(Set<String> merchantIds, Set<String> inventoryLocations) {
  public static final SubscriptionFilter NONE = new SubscriptionFilter(Set.of(), Set.of());
  private static final int MAX_VALUES = 1000;

  public boolean matches(String merchantId, String inventoryLocation) {
    return (merchantIds.isEmpty() || merchantId != null && merchantIds.contains(merchantId))
      && (inventoryLocations.isEmpty() || inventoryLocation != null && inventoryLocations.contains(inventoryLocation));
  }

  public boolean isEmpty() {
    return merchantIds.isEmpty() && inventoryLocations.isEmpty();
  }

  public static SubscriptionFilter fromJson(JsonObject json) {
    if (json == null) {
      return NONE;
    }
    return new SubscriptionFilter(strings(json.getJsonArray("merchant_ids")), strings(json.getJsonArray("inventory_locations")));
  }

  /** Parses a request's {@code filter}, naming the offending field. */
  public static SubscriptionFilter parse(Object value) {
    if (value == null) {
      return NONE;
    }
    if (!(value instanceof JsonObject json)) {
      throw ApiError.invalidField("filter", "must be an object");
    }
    for (String key : json.fieldNames()) {
      if (!key.equals("merchant_ids") && !key.equals("inventory_locations")) {
        throw ApiError.invalidField("filter." + key, "is not a known filter (merchant_ids, inventory_locations)");
      }
    }
    return new SubscriptionFilter(checked(json, "merchant_ids"), checked(json, "inventory_locations"));
  }

  private static Set<String> checked(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonArray array) || array.size() > MAX_VALUES) {
      throw ApiError.invalidField("filter." + key, "must be a list of at most " + MAX_VALUES + " strings");
    }
    Set<String> values = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s) || s.isEmpty() || s.length() > 200) {
        throw ApiError.invalidField("filter." + key + "[" + i + "]", "must be a non-empty string of at most 200 characters");
      }
      values.add(s);
    }
    return Set.copyOf(values);
  }

  private static Set<String> strings(JsonArray array) {
    Set<String> values = new LinkedHashSet<>();
    if (array != null) {
      array.forEach(v -> values.add(String.valueOf(v)));
    }
    return Set.copyOf(values);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (!merchantIds.isEmpty()) {
      json.put("merchant_ids", new JsonArray(merchantIds.stream().sorted().toList()));
    }
    if (!inventoryLocations.isEmpty()) {
      json.put("inventory_locations", new JsonArray(inventoryLocations.stream().sorted().toList()));
    }
    return json;
  }
}
