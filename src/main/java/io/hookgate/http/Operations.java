package io.hookgate.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binds handlers to the operations of {@code openapi.yaml}. The document is the route table: a handler
 * for an operation the document lacks fails start-up, and so does an operation left without a handler,
 * so code and document cannot drift apart. Authentication is ours (Hookgate's handlers), not the
 * router builder's.
 */
public final class Operations {
  private final RouterBuilder builder;
  private final Set<String> bound = new LinkedHashSet<>();

  public Operations(RouterBuilder builder) {
    this.builder = builder;
  }

  @SafeVarargs
  public final Operations on(String operationId, Handler<RoutingContext>... handlers) {
    route(operationId, true, handlers);
    return this;
  }

  /** For operations whose body the contract validator cannot read (e.g. form-encoded OAuth requests). */
  @SafeVarargs
  public final Operations onUnvalidated(String operationId, Handler<RoutingContext>... handlers) {
    route(operationId, false, handlers);
    return this;
  }

  private void route(String operationId, boolean validate, Handler<RoutingContext>[] handlers) {
    OpenAPIRoute route = builder.getRoute(operationId);
    if (route == null) {
      throw new IllegalStateException("operation " + operationId + " is not in openapi.yaml");
    }
    if (!bound.add(operationId)) {
      throw new IllegalStateException("operation " + operationId + " is bound twice");
    }
    route.setDoSecurity(false).setDoValidation(validate);
    for (Handler<RoutingContext> handler : handlers) {
      route.addHandler(handler);
    }
  }

  /** Fails when an operation of the document has no handler. */
  public void checkComplete() {
    List<String> missing = new ArrayList<>();
    for (OpenAPIRoute route : builder.getRoutes()) {
      if (!bound.contains(route.getOperation().getOperationId())) {
        missing.add(route.getOperation().getOperationId());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("openapi.yaml operations without a handler: " + missing);
    }
  }
}
