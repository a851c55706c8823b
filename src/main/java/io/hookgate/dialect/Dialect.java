package io.hookgate.dialect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.hookgate.catalog.EventAliases;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A subscription's dialect: its payload format and its signature scheme, turning an event's stored
 * envelope into the body, headers and query of one request. The body depends only on the event (every
 * retry sends the same bytes); the signature depends on the time of the attempt.
 */
public final class Dialect {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PayloadFormat format;
  private final SignatureScheme scheme;
  private final EventAliases aliases;

  Dialect(PayloadFormat format, SignatureScheme scheme, EventAliases aliases) {
    this.format = format;
    this.scheme = scheme;
    this.aliases = aliases;
  }

  /** A header a request carries. */
  public record Header(String name, String value) {
  }

  /**
   * One request as the dialect makes it.
   *
   * @param rendered the body as text when a template made it; null when it is the stored envelope
   * @param query    the query parameter that carries the signature ({@code sign=…}), or null
   */
  public record Request(byte[] body, String rendered, List<Header> headers, String query) {
  }

  /** A template failed on this event (a template that compiled can still fail on data it did not expect). */
  public static final class RenderFailed extends RuntimeException {
    RenderFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public PayloadFormat format() {
    return format;
  }

  public SignatureScheme scheme() {
    return scheme;
  }

  /**
   * The request for one attempt of an event: {@code envelope} is the event's stored envelope, {@code keys}
   * the subscription's valid keys (the current one first), {@code epochMillis} the attempt's start.
   */
  public Request request(String eventId, String type, String envelope, List<byte[]> keys, long epochMillis) {
    Outgoing out = new Outgoing(eventId, type, envelope, scheme.timestamp(epochMillis));
    String signature = scheme.sign(keys, out);
    List<Header> headers = new ArrayList<>(scheme.headers().size() + 1);
    for (Map.Entry<String, Placeholders> h : scheme.headers().entrySet()) {
      String value = out.fill(h.getValue());
      if (value != null) {
        headers.add(new Header(h.getKey(), value));
      }
    }
    String query = null;
    if (scheme.header() != null) {
      headers.add(new Header(scheme.header(), signature));
    } else {
      query = URLEncoder.encode(scheme.query(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(signature, StandardCharsets.UTF_8);
    }
    return new Request(out.body(), out.rendered, headers, query);
  }

  /** One event on its way out; what it costs to work out (parsing, rendering) is done once, when first needed. */
  private final class Outgoing implements SignatureScheme.Fields {
    private final String id;
    private final String type;
    private final String envelope;
    private final String timestamp;
    private ObjectNode event;
    private JsonNode tree;
    private byte[] body;
    private String rendered;

    Outgoing(String id, String type, String envelope, String timestamp) {
      this.id = id;
      this.type = type;
      this.envelope = envelope;
      this.timestamp = timestamp;
    }

    /** The stored envelope as a tree, with what templates see beside it. */
    private ObjectNode event() {
      if (event == null) {
        try {
          event = (ObjectNode) JSON.readTree(envelope);
        } catch (JsonProcessingException | ClassCastException e) {
          throw new RenderFailed("the stored envelope of " + id + " is not a JSON object", e);
        }
        event.set("alias", TextNode.valueOf(aliases.alias(format.typeNames(), type)));
        event.set("occurred_at", event.get("created_at"));
      }
      return event;
    }

    @Override
    public byte[] body() {
      if (body == null) {
        if (format.stored()) {
          body = envelope.getBytes(StandardCharsets.UTF_8);
        } else {
          try {
            tree = format.render(event());
            rendered = JSON.writeValueAsString(tree);
          } catch (RuntimeException | JsonProcessingException e) {
            throw new RenderFailed("payload format " + format.name() + " failed on event " + id + ": "
              + e.getMessage(), e);
          }
          body = rendered.getBytes(StandardCharsets.UTF_8);
        }
      }
      return body;
    }

    @Override
    public byte[] sortedBody() {
      body();
      if (tree == null) {
        try {
          tree = JSON.readTree(body);
        } catch (java.io.IOException e) {
          throw new RenderFailed("the body of " + id + " is not JSON", e);
        }
      }
      return CanonicalJson.write(tree).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String value(String name) {
      return switch (name) {
        case "id" -> id;
        case "timestamp" -> timestamp;
        case "type" -> type;
        case "alias" -> aliases.alias(scheme.typeNames(), type);
        case "merchant_id" -> {
          JsonNode merchant = event().get("merchant_id");
          yield merchant == null || merchant.isNull() ? null : merchant.asText();
        }
        default -> throw new IllegalArgumentException(name);
      };
    }

    /** A header's value; null when a value it uses is missing (the header is then left out). */
    String fill(Placeholders text) {
      StringBuilder out = new StringBuilder();
      for (Placeholders.Part part : text.parts()) {
        String value = part.literal() != null ? part.literal() : value(part.name());
        if (value == null) {
          return null;
        }
        out.append(value);
      }
      return out.toString();
    }
  }
}
