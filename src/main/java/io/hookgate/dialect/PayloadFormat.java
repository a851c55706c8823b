package io.hookgate.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.schibsted.spt.data.jslt.Expression;
import com.schibsted.spt.data.jslt.JsltException;
import com.schibsted.spt.data.jslt.Parser;
import io.hookgate.config.ConfigException;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * The envelope a dialect sends: Hookgate's own, stored when the event was taken and sent as it is
 * ({@code stored: true}), or a JSLT template over the event, compiled once at start
 * (docs/decisions/012-jslt-payload-templates.md). A template sees {@code id}, {@code type}, {@code alias}
 * (the type in the format's {@code type-names}), {@code merchant_id}, {@code occurred_at} (also as
 * {@code created_at}), {@code livemode} and {@code data}.
 */
public final class PayloadFormat {
  private final String name;
  private final Expression template;
  private final String typeNames;

  private PayloadFormat(String name, Expression template, String typeNames) {
    this.name = name;
    this.template = template;
    this.typeNames = typeNames;
  }

  static PayloadFormat read(String key, String name, JsonObject json) {
    Settings s = new Settings(key, json, Set.of("stored", "template", "type-names"));
    boolean stored = Boolean.parseBoolean(s.text("stored", "false"));
    String text = s.text("template", null);
    if (stored == (text != null)) {
      throw new ConfigException(key, "needs either stored: true (the envelope as stored) or a template");
    }
    if (stored) {
      return new PayloadFormat(name, null, s.text("type-names", null));
    }
    try {
      return new PayloadFormat(name, Parser.compileString(text), s.text("type-names", null));
    } catch (JsltException e) {
      throw new ConfigException(key + ".template", firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String message) {
    String text = message == null ? "does not compile" : message.strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline).strip();
  }

  public String name() {
    return name;
  }

  /** Whether the stored envelope is sent as it is, with no rendering. */
  boolean stored() {
    return template == null;
  }

  String typeNames() {
    return typeNames;
  }

  JsonNode render(JsonNode event) {
    return template.apply(event);
  }
}
