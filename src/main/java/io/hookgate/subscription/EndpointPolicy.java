package io.hookgate.subscription;

import io.hookgate.http.ApiError;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.outbound.EndpointUrls;
import io.vertx.core.Future;

import java.net.URI;

/**
 * Checks an endpoint URL when a partner sets it: the shape ({@link EndpointUrls}), https when the
 * operator requires it, and the SSRF guard on the addresses its host resolves to now. Delivery checks
 * the resolved address again at every attempt; a host that does not resolve yet is accepted here.
 */
public final class EndpointPolicy {
  private final EndpointResolver resolver;
  private final boolean requireHttps;

  public EndpointPolicy(EndpointResolver resolver, boolean requireHttps) {
    this.resolver = resolver;
    this.requireHttps = requireHttps;
  }

  /** Fails with a 400 naming {@code url} when the URL is not acceptable. */
  public Future<String> check(Object value) {
    return check(value, "url");
  }

  /** Fails with a 400 naming {@code field} when the URL is not acceptable. */
  public Future<String> check(Object value, String field) {
    if (!(value instanceof String url)) {
      return Future.failedFuture(ApiError.invalidField(field, "is required and must be a string"));
    }
    String problem = EndpointUrls.problem(url);
    if (problem == null && requireHttps && !url.regionMatches(true, 0, "https:", 0, 6)) {
      problem = "must use https";
    }
    if (problem != null) {
      return Future.failedFuture(ApiError.invalidField(field, problem));
    }
    return resolver.resolve(URI.create(url).getHost())
      .map(address -> url)
      .recover(e -> e instanceof EndpointResolver.Refused refused && refused.reason().equals(EndpointResolver.BLOCKED)
        ? Future.failedFuture(ApiError.invalidField(field, refused.getMessage()))
        : Future.succeededFuture(url));
  }
}
