package io.hookgate.partner;

import io.hookgate.application.ApplicationStore;
import io.hookgate.dialect.DialectFields;
import io.hookgate.dialect.Dialects;
import io.hookgate.dialect.SignatureScheme;
import io.hookgate.http.ApiError;
import io.hookgate.subscription.SigningSecrets;
import io.hookgate.subscription.Subscription;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

import java.util.UUID;

/**
 * What a partner chooses for a subscription beyond its URL and events: its dialect (payload format and
 * signature scheme) and its signing secret, which must suit the scheme.
 */
final class SubscriptionChoices {
  private final Dialects dialects;
  private final ApplicationStore applications;

  SubscriptionChoices(Dialects dialects, ApplicationStore applications) {
    this.dialects = dialects;
    this.applications = applications;
  }

  /** The names a request gives ({@code payload_format}, {@code signature_scheme}), each checked; null where absent. */
  Subscription.DialectNames requested(JsonObject body) {
    return new Subscription.DialectNames(DialectFields.format(dialects, body.getValue(DialectFields.FORMAT)),
      DialectFields.scheme(dialects, body.getValue(DialectFields.SCHEME)));
  }

  /**
   * The dialect of a new subscription: what the request names, else its application's default, else the
   * configured default. A scheme named without a format brings its platform's format (Omise's scheme, Omise's
   * envelope), as does a default scheme when nothing names a format.
   */
  Future<Subscription.DialectNames> forNew(SqlClient sql, UUID applicationId, Subscription.DialectNames requested) {
    if (requested.payloadFormat() != null && requested.signatureScheme() != null) {
      return Future.succeededFuture(requested);
    }
    return applications.defaultDialect(sql, applicationId).map(application -> {
      String scheme = first(requested.signatureScheme(), application.signatureScheme(), dialects.defaultScheme());
      String paired = dialects.scheme(scheme).payloadFormat();
      String format = requested.signatureScheme() != null
        ? first(requested.payloadFormat(), paired, application.payloadFormat(), dialects.defaultFormat())
        : first(requested.payloadFormat(), application.payloadFormat(), paired, dialects.defaultFormat());
      return new Subscription.DialectNames(format, scheme);
    });
  }

  SignatureScheme scheme(String name) {
    return dialects.scheme(name);
  }

  /** The request's own {@code secret_key} when it suits the scheme, or a new one in the scheme's form. */
  static String secret(SignatureScheme scheme, Object value) {
    return secret(scheme, value, "secret_key");
  }

  /** The same, for a secret given in {@code field}. */
  static String secret(SignatureScheme scheme, Object value, String field) {
    if (value == null) {
      return scheme.newSecret();
    }
    String problem = value instanceof String s ? scheme.secretProblem(s) : "must be a string";
    if (problem == null) {
      problem = SigningSecrets.problem((String) value);
    }
    if (problem != null) {
      throw ApiError.invalidField(field, problem);
    }
    return (String) value;
  }

  private static String first(String... names) {
    for (String name : names) {
      if (name != null) {
        return name;
      }
    }
    return null;
  }
}
