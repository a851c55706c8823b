package io.hookgate.http;

import io.hookgate.config.ConfigSource;
import io.hookgate.support.RawHttp;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input as a property: every operation of the OpenAPI document, driven with requests generated from a
 * valid one by a mutation that makes it invalid (NUL, invalid UTF-8, wrong types, bad percent-encoding,
 * oversize values and bodies, wrong media types, broken JSON, missing or wrong credentials, missing Host,
 * request lines and headers over their limits). Every answer must be a 4xx in the JSON error shape with
 * nothing internal in it, and no table may change. The seed is printed and may be given with
 * {@code -Dhookgate.badinput.seed=N} to replay a run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  private static final int REQUESTS = 4000;
  /** Bad input is refused from what is at hand; an answer this slow means something waited for a timeout. */
  private static final long SLOW_MS = 2_000;
  private static final Set<String> ERROR_CODES = Set.of("invalid_request", "unauthorized", "forbidden", "not_found",
    "conflict", "rate_limited", "unavailable");
  private static final Set<String> OAUTH_CODES = Set.of("invalid_request", "invalid_client", "unsupported_grant_type",
    "invalid_scope");
  /** Names that would tell a caller how the gateway is built. */
  private static final Pattern INTERNAL = Pattern.compile(
    "(?i)exception|io\\.vertx|io\\.netty|java\\.|javax\\.|org\\.postgresql|pgexception|jackson|\\.java:|\\bat [a-z]+\\.");
  private static final String LONG = "x".repeat(100_000);

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("api")
    .put("partner-rate-limit-per-second", 1_000_000).put("partner-rate-limit-burst", 1_000_000)));
  private Receiver receiver;
  private RawHttp http;
  private String partnerToken;
  private JsonObject application;
  private Map<String, String> ids;
  private JsonObject document;

  /** One operation of the document, with a valid request to mutate. */
  private record Operation(String id, String method, String path, String auth, JsonObject bodySchema,
                           List<String> queryParameters) {
    boolean hasJsonBody() {
      return bodySchema != null;
    }
  }

  /** A request before it is written: each part can be broken on its own. */
  private static final class Request {
    String method;
    String target;
    final List<String> headers = new ArrayList<>();
    byte[] body;

    Request copy() {
      Request r = new Request();
      r.method = method;
      r.target = target;
      r.headers.addAll(headers);
      r.body = body == null ? null : body.clone();
      return r;
    }

    void header(String name, String value) {
      headers.removeIf(h -> h.regionMatches(true, 0, name + ":", 0, name.length() + 1));
      if (value != null) {
        headers.add(name + ": " + value);
      }
    }

    String describe() {
      String shown = body == null ? "" : new String(body, StandardCharsets.UTF_8);
      return method + " " + (target.length() > 200 ? target.substring(0, 200) + "…" : target) + " " + headers.stream()
        .map(h -> h.length() > 120 ? h.substring(0, 120) + "…" : h).toList() + " "
        + (shown.length() > 300 ? shown.substring(0, 300) + "…" : shown);
    }
  }

  /** A way to make a request invalid; null when it does not apply to the operation. */
  private record Mutation(String name, Function<Operation, Boolean> applies, Mutator mutate) {
  }

  @FunctionalInterface
  private interface Mutator {
    void apply(Operation op, Request request, Random random);
  }

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
    http = new RawHttp(gw.port());
    application = gw.createApplication("bad-input-app");
    partnerToken = gw.token(application, null);
    JsonObject subscription = gw.subscribe(partnerToken, receiver.url(), "order.created");
    String event = gw.ingest(TestGateway.event("order.created", new JsonObject().put("n", 1))
      .put("id", "bad-input-event").put("merchant_id", "shop-1")).getString("id");
    receiver.awaitCount(1, 10_000);
    Receiver.eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == 1, 10_000,
      "the delivery to be recorded");
    String operational = gw.admin(io.vertx.core.http.HttpMethod.POST, "/api/v1/operational-webhooks", new JsonObject()
      .put("url", "https://ops.example.com/h").put("events", new JsonArray().add("endpoint.*"))).bodyAsJsonObject()
      .getJsonObject("data").getString("id");
    ids = Map.of(
      "/api/v1/operational-webhooks/", operational,
      "/api/v1/applications/", application.getString("id"),
      "/api/v1/event-types/", "order.created",
      "/api/v1/events/", event,
      "/api/v1/webhooks/", subscription.getString("id"),
      "/api/partner/v1/webhooks/", subscription.getString("id"),
      "/api/v1/deliveries/", gw.query("SELECT id FROM deliveries").iterator().next().getUUID(0).toString(),
      "/api/partner/v1/deliveries/", gw.query("SELECT id FROM deliveries").iterator().next().getUUID(0).toString());
    document = ConfigSource.parseYaml(ApiContract.load().text(), "openapi.yaml");
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  @Test
  void malformedRequestsGetA4xxInTheErrorShapeAndChangeNothing() {
    long seed = Long.getLong("hookgate.badinput.seed", System.nanoTime());
    System.out.println("BadInputTest seed: " + seed + " (replay with -Dhookgate.badinput.seed=" + seed + ")");
    Random random = new Random(seed);
    List<Operation> operations = operations();
    List<Mutation> mutations = mutations();
    Map<String, String> before = snapshot();

    List<String> problems = new ArrayList<>();
    Map<String, Integer> tried = new TreeMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      Mutation mutation = mutations.get(random.nextInt(mutations.size()));
      List<Operation> applicable = operations.stream().filter(o -> mutation.applies().apply(o)).toList();
      Operation op = applicable.get(random.nextInt(applicable.size()));
      Request request = valid(op);
      mutation.mutate().apply(op, request, random);
      tried.merge(mutation.name(), 1, Integer::sum);
      long started = System.nanoTime();
      RawHttp.Response response = http.send(request.method + " " + request.target + " HTTP/1.1", request.headers,
        request.body);
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      String problem = judge(op, response);
      if (problem == null && tookMs > SLOW_MS) {
        problem = "answered only after " + tookMs + " ms";
      }
      if (problem != null) {
        problems.add("#" + i + " " + op.id() + " / " + mutation.name() + ": " + problem + "\n    request: "
          + request.describe());
      }
    }
    System.out.println("BadInputTest mutations tried: " + tried);
    assertThat(problems).as("seed " + seed + ": answers that were not a clean 4xx").isEmpty();
    assertThat(snapshot()).as("seed " + seed + ": every table as it was").isEqualTo(before);
    assertThat(tried.keySet()).as("every kind of mutation was tried").hasSize(mutations.size());
  }

  /** Null when the answer is what bad input deserves, else what is wrong with it. */
  private static String judge(Operation op, RawHttp.Response response) {
    if (response.status() < 400 || response.status() > 499) {
      return "status " + response.status() + " " + abbreviate(response.body());
    }
    JsonObject body;
    try {
      body = new JsonObject(response.body());
    } catch (RuntimeException e) {
      return "status " + response.status() + " with a body that is not JSON: " + abbreviate(response.body());
    }
    Set<String> codes = op.id().equals("issueToken") ? OAUTH_CODES : ERROR_CODES;
    if (!codes.contains(body.getString("error")) || !(body.getValue("message") instanceof String message)) {
      return "status " + response.status() + " with a body not in the error shape: " + abbreviate(response.body());
    }
    if (INTERNAL.matcher(message).find()) {
      return "status " + response.status() + " naming internals: " + message;
    }
    return null;
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  /** A hash of every table's rows (the fan-out ledger's heartbeat table aside: it changes every second). */
  private Map<String, String> snapshot() {
    Map<String, String> tables = new TreeMap<>();
    gw.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        + " AND tablename NOT IN ('flyway_schema_history', 'ingest_nodes')")
      .forEach(row -> {
        String table = row.getString(0);
        tables.put(table, gw.query("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
          + " FROM " + table + " t").iterator().next().getString(0));
      });
    return tables;
  }

  // ---- the operations and a valid request for each ----

  private List<Operation> operations() {
    List<Operation> operations = new ArrayList<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject op) || !Set.of("get", "post", "patch", "delete").contains(method)) {
          continue;
        }
        JsonArray security = op.getJsonArray("security", new JsonArray());
        String auth = security.isEmpty() ? "none" : security.getJsonObject(0).containsKey("platformKey") ? "platform" : "partner";
        JsonObject content = op.getJsonObject("requestBody", new JsonObject()).getJsonObject("content", new JsonObject());
        JsonObject schema = content.containsKey("application/json")
          ? resolve(content.getJsonObject("application/json").getJsonObject("schema")) : null;
        List<String> query = new ArrayList<>();
        for (Object p : op.getJsonArray("parameters", new JsonArray())) {
          JsonObject parameter = resolve((JsonObject) p);
          if ("query".equals(parameter.getString("in"))) {
            query.add(parameter.getString("name"));
          }
        }
        operations.add(new Operation(op.getString("operationId"), method.toUpperCase(), path, auth, schema, query));
      }
    }
    assertThat(operations).hasSizeGreaterThan(35);
    return operations;
  }

  private JsonObject resolve(JsonObject node) {
    while (node != null && node.containsKey("$ref")) {
      JsonObject at = document;
      for (String part : node.getString("$ref").substring(2).split("/")) {
        at = at.getJsonObject(part);
      }
      node = at;
    }
    return node;
  }

  private Request valid(Operation op) {
    Request request = new Request();
    request.method = op.method();
    String target = op.path();
    for (Map.Entry<String, String> id : ids.entrySet()) {
      if (target.startsWith(id.getKey())) {
        target = target.replaceFirst("\\{[^}]+}", id.getValue());
      }
    }
    request.target = target;
    request.header("Host", "127.0.0.1:" + gw.port());
    request.header("Connection", "close");
    switch (op.auth()) {
      case "platform" -> request.header("Authorization", "Bearer " + TestGateway.ADMIN_KEY);
      case "partner" -> request.header("Authorization", "Bearer " + partnerToken);
      default -> {
      }
    }
    if (op.id().equals("issueToken")) {
      form(request, "grant_type=client_credentials&client_id=" + application.getString("client_id")
        + "&client_secret=" + application.getString("client_secret"));
    } else if (op.hasJsonBody()) {
      json(request, validBody(op.id()).encode());
    }
    return request;
  }

  private JsonObject validBody(String operationId) {
    return switch (operationId) {
      case "createApplication" -> new JsonObject().put("name", "another app");
      case "updateApplication" -> new JsonObject().put("name", "renamed app");
      case "createEventType" -> new JsonObject().put("name", "fuzz.created").put("description", "made by a test");
      case "updateEventType" -> new JsonObject().put("description", "changed");
      case "ingestEvents" -> new JsonObject().put("id", "bad-input-new").put("type", "order.created")
        .put("merchant_id", "shop-2").put("data", new JsonObject().put("note", "hello").put("items",
          new JsonArray().add(new JsonObject().put("sku", "A-1"))));
      case "createWebhook" -> new JsonObject().put("url", "https://hooks.example.com/x")
        .put("events", new JsonArray().add("order.created")).put("description", "new one");
      case "updateWebhook" -> new JsonObject().put("description", "changed").put("filter",
        new JsonObject().put("merchant_ids", new JsonArray().add("shop-3")));
      case "testWebhook" -> new JsonObject().put("event", "order.created").put("payload", new JsonObject().put("a", "b"));
      case "rotateWebhookSecret", "rotateOperationalWebhookSecret" -> new JsonObject().put("grace_period_seconds", 60);
      case "createOperationalWebhook" -> new JsonObject().put("url", "https://ops.example.com/y")
        .put("events", new JsonArray().add("delivery.exhausted"));
      case "updateOperationalWebhook" -> new JsonObject().put("description", "changed");
      case "recoverWebhook" -> new JsonObject().put("since", "2024-01-01").put("until", "2024-02-01");
      case "requestErasure" -> new JsonObject().put("merchant_id", "shop-fuzz").put("until", "2024-02-01T00:00:00Z");
      case "registerWebhooks" -> new JsonObject()
        .put("sync_inventory_location", new JsonArray().add("sgn3"))
        .put("sync_webhook", new JsonObject().put("order", new JsonObject().put("url", "https://hooks.example.com/t")
          .put("secret_key", "0123456789abcdef0123456789abcdef")))
        .put("external_partner_id", "41235121321");
      default -> throw new IllegalStateException("no valid body for " + operationId);
    };
  }

  private static void json(Request request, String text) {
    request.body = text.getBytes(StandardCharsets.UTF_8);
    request.header("Content-Type", "application/json");
    request.header("Content-Length", Integer.toString(request.body.length));
  }

  private static void form(Request request, String text) {
    request.body = text.getBytes(StandardCharsets.UTF_8);
    request.header("Content-Type", "application/x-www-form-urlencoded");
    request.header("Content-Length", Integer.toString(request.body.length));
  }

  private static void rawBody(Request request, byte[] bytes) {
    request.body = bytes;
    request.header("Content-Length", Integer.toString(bytes.length));
  }

  // ---- the mutations ----

  private List<Mutation> mutations() {
    List<Mutation> all = new ArrayList<>();
    Function<Operation, Boolean> any = op -> true;
    Function<Operation, Boolean> secured = op -> !op.auth().equals("none");
    Function<Operation, Boolean> jsonBody = op -> op.hasJsonBody() && !op.id().equals("issueToken");
    Function<Operation, Boolean> token = op -> op.id().equals("issueToken");
    Function<Operation, Boolean> getWithQuery = op -> op.method().equals("GET") && !op.queryParameters().isEmpty();

    all.add(new Mutation("no credentials", secured, (op, r, rnd) -> r.header("Authorization", null)));
    all.add(new Mutation("wrong credentials", secured, (op, r, rnd) -> r.header("Authorization",
      pick(rnd, "Bearer wrong-key-0123456789", "Bearer ", "Basic dXNlcjpwYXNz", "bearer\u0001x", "Bearer " + LONG.substring(0, 5000)))));
    all.add(new Mutation("the other API's credentials", secured, (op, r, rnd) -> r.header("Authorization",
      "Bearer " + (op.auth().equals("platform") ? partnerToken : TestGateway.ADMIN_KEY))));
    all.add(new Mutation("bad percent-encoding in the path", any, (op, r, rnd) ->
      r.target = insertInPath(r.target, pick(rnd, "%zz", "%", "%4", "%g0"), rnd)));
    all.add(new Mutation("NUL or control character in the path", any, (op, r, rnd) ->
      r.target = insertInPath(r.target, pick(rnd, "%00", "%01", "%7f", "a%00b"), rnd)));
    all.add(new Mutation("invalid UTF-8 in the path", any, (op, r, rnd) ->
      r.target = insertInPath(r.target, pick(rnd, "%c0%af", "%ed%a0%80", "%f4%90%80%80", "%ff", "%e2%82"), rnd)));
    all.add(new Mutation("bad query string", any, (op, r, rnd) -> r.target = r.target + (r.target.contains("?") ? "&" : "?")
      + pick(rnd, "x=%zz", "%", "page_size=%", "event=%zz", "a=%00", "b=%c0%af", "c=%ed%a0%80", "%zz=1", "d=%f4%90%80%80")));
    all.add(new Mutation("wrong query values", getWithQuery, (op, r, rnd) -> {
      String name = op.queryParameters().get(rnd.nextInt(op.queryParameters().size()));
      String value = switch (name) {
        case "page_size", "page_number" -> pick(rnd, "abc", "0", "-1", "1.5", "99999999999999999999");
        case "from_date", "to_date", "before_date" -> pick(rnd, "", "2024-13-45", "yesterday", "+999999-01-01T00:00:00Z",
          "2024-01-01T00:00:00");
        case "webhook_id", "application_id" -> pick(rnd, "not-a-uuid", "", "1234");
        case "status" -> pick(rnd, "bogus", "", "SUCCESS");
        case "cursor" -> pick(rnd, "!!!", "bm90LWEtY3Vyc29y", "%2F%2F");
        case "include_deprecated" -> pick(rnd, "maybe", "2");
        default -> LONG.substring(0, 1000);
      };
      r.target = r.target + (r.target.contains("?") ? "&" : "?") + name + "=" + value;
    }));
    all.add(new Mutation("NUL in a string", jsonBody, (op, r, rnd) ->
      json(r, mutateString(new String(r.body, StandardCharsets.UTF_8), rnd, "\\u0000"))));
    all.add(new Mutation("unpaired surrogate in a string", jsonBody, (op, r, rnd) ->
      json(r, mutateString(new String(r.body, StandardCharsets.UTF_8), rnd, pick(rnd, "\\ud800", "\\udfff", "\\ud83dx")))));
    all.add(new Mutation("invalid UTF-8 in a string", jsonBody, (op, r, rnd) -> {
      String text = new String(r.body, StandardCharsets.UTF_8);
      int quote = text.indexOf("\":\"") + 3;
      byte[] bad = pick(rnd, new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xff}, new byte[] {(byte) 0xe2, (byte) 0x82});
      byte[] prefix = text.substring(0, quote).getBytes(StandardCharsets.UTF_8);
      byte[] suffix = text.substring(quote).getBytes(StandardCharsets.UTF_8);
      byte[] body = new byte[prefix.length + bad.length + suffix.length];
      System.arraycopy(prefix, 0, body, 0, prefix.length);
      System.arraycopy(bad, 0, body, prefix.length, bad.length);
      System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
      rawBody(r, body);
    }));
    all.add(new Mutation("wrong type", jsonBody, (op, r, rnd) -> {
      JsonObject body = new JsonObject(new String(r.body, StandardCharsets.UTF_8));
      List<String> fields = new ArrayList<>(body.fieldNames());
      String field = fields.get(rnd.nextInt(fields.size()));
      Object value = body.getValue(field);
      body.put(field, value instanceof String ? (Object) pick(rnd, 42, true, new JsonArray(), new JsonObject())
        : value instanceof Number ? pick(rnd, "sixty", true, new JsonArray().add(1))
        : value instanceof JsonArray ? pick(rnd, "a", 7, new JsonObject())
        : value instanceof JsonObject ? pick(rnd, "o", 7, new JsonArray())
        : "text");
      json(r, body.encode());
    }));
    all.add(new Mutation("oversize value", jsonBody, (op, r, rnd) -> {
      JsonObject body = new JsonObject(new String(r.body, StandardCharsets.UTF_8));
      String field = body.fieldNames().stream().filter(f -> body.getValue(f) instanceof String).findFirst()
        .orElse(body.fieldNames().iterator().next());
      body.put(field, LONG);
      json(r, body.encode());
    }));
    all.add(new Mutation("unknown field", jsonBody, (op, r, rnd) ->
      json(r, new JsonObject(new String(r.body, StandardCharsets.UTF_8)).put("zz_unknown_" + rnd.nextInt(100), 1).encode())));
    all.add(new Mutation("not an object", jsonBody, (op, r, rnd) -> json(r, pick(rnd, "[]", "\"text\"", "42", "null", "true"))));
    all.add(new Mutation("broken JSON", jsonBody, (op, r, rnd) -> {
      String text = new String(r.body, StandardCharsets.UTF_8);
      json(r, switch (rnd.nextInt(7)) {
        case 0 -> "/*c*/" + text;
        case 1 -> text + " {}";
        case 2 -> text.substring(0, text.length() / 2);
        case 3 -> "{\"" + text.substring(2, text.indexOf('"', 2)) + "\":1," + text.substring(1);
        case 4 -> text.replaceFirst(":", ": // c\n");
        case 5 -> "{'a': 1}";
        default -> "[".repeat(2000) + "]".repeat(2000);
      });
    }));
    all.add(new Mutation("wrong media type", jsonBody, (op, r, rnd) -> r.header("Content-Type",
      pick(rnd, "application/jsonx", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
        "application/json; charset=latin1", "application/xml", null))));
    all.add(new Mutation("oversize body", jsonBody, (op, r, rnd) -> {
      JsonObject body = new JsonObject(new String(r.body, StandardCharsets.UTF_8));
      json(r, body.put("zz_padding", "y".repeat(1_200_000)).encode());
    }));
    all.add(new Mutation("no Host header", any, (op, r, rnd) -> r.header("Host", null)));
    all.add(new Mutation("request target over the limit", any, (op, r, rnd) -> r.target = r.target + "/" + "a".repeat(9000)));
    all.add(new Mutation("headers over the limit", any, (op, r, rnd) -> r.header("X-Padding", "p".repeat(20_000))));
    all.add(new Mutation("malformed header", any, (op, r, rnd) -> r.headers.add(pick(rnd, "Bad Header: x", "NoColon",
      "X-Ctl: a\u0001b", "X-Nul: a\u0000b"))));
    all.add(new Mutation("bad token request", token, (op, r, rnd) -> {
      String body = pick(rnd, "%", "grant_type=client_credentials&client_id=%zz&client_secret=x",
        "grant_type=client_credentials&client_id=" + LONG + "&client_secret=x",
        "grant_type=client_credentials&client_id=%00&client_secret=%00",
        "grant_type=client_credentials&client_id=%c0%af&client_secret=x",
        "grant_type=password&client_id=a&client_secret=b", "grant_type=client_credentials", "=&&=%",
        "grant_type=client_credentials&client_id=" + application.getString("client_id") + "&client_secret=wrong");
      form(r, body);
      if (rnd.nextBoolean()) {
        r.header("Content-Type", pick(rnd, "text/plain", "application/jsonx", "multipart/form-data; boundary=x"));
      }
    }));
    all.add(new Mutation("bad client authentication", token, (op, r, rnd) -> {
      form(r, "grant_type=client_credentials");
      r.header("Authorization", pick(rnd, "Basic ADoA", "Basic !!!", "Basic " + java.util.Base64.getEncoder()
        .encodeToString("%zz:%zz".getBytes(StandardCharsets.UTF_8)), "Basic " + java.util.Base64.getEncoder()
        .encodeToString(new byte[] {(byte) 0xc0, (byte) 0xaf, ':', 'x'}), "Basic "));
    }));
    return all;
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }

  /** Puts {@code text} into the path: appended to a segment, or as a segment of its own. */
  private static String insertInPath(String target, String text, Random random) {
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    String rest = query < 0 ? "" : target.substring(query);
    return (random.nextBoolean() ? path + text : path + "/" + text) + rest;
  }

  /** Puts {@code escape} into one of the body's string values, chosen at random. */
  private static String mutateString(String json, Random random, String escape) {
    List<Integer> starts = new ArrayList<>();
    for (int i = json.indexOf(":\""); i >= 0; i = json.indexOf(":\"", i + 1)) {
      starts.add(i + 2);
    }
    for (int i = json.indexOf("[\""); i >= 0; i = json.indexOf("[\"", i + 1)) {
      starts.add(i + 2);
    }
    if (starts.isEmpty()) {
      return json.substring(0, json.length() - 1) + (json.length() > 2 ? "," : "") + "\"note\":\"" + escape + "\"}";
    }
    int at = starts.get(random.nextInt(starts.size()));
    return json.substring(0, at) + escape + json.substring(at);
  }
}
