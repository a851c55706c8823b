package io.hookgate.ops;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Enough of PromQL to check the expressions Hookgate ships: brackets balance, functions exist, ranges
 * are durations, label matchers are {@code name op "value"}; and which metrics an expression reads.
 */
final class PromQl {
  private static final Set<String> FUNCTIONS = Set.of("sum", "min", "max", "avg", "count", "stddev", "topk",
    "bottomk", "quantile", "rate", "irate", "increase", "deriv", "delta", "idelta", "max_over_time",
    "min_over_time", "avg_over_time", "sum_over_time", "count_over_time", "histogram_quantile", "clamp_min",
    "clamp_max", "abs", "absent", "absent_over_time", "vector", "scalar", "time", "predict_linear", "changes",
    "resets", "label_replace", "round", "ceil", "floor");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset");
  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Pattern TOKEN = Pattern.compile(
    "\\s+|\"(?:[^\"\\\\]|\\\\.)*\"|\\d+[smhdwy](?![A-Za-z0-9_])|[A-Za-z_:][A-Za-z0-9_:]*|\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|[(){}\\[\\],]"
      + "|=~|!~|!=|==|>=|<=|[-+*/%^<>=]");
  private static final Pattern DURATION = Pattern.compile("(\\d+[smhdwy])+|\\$__rate_interval|\\d+[smhdwy]:\\d*[smhdwy]?");
  private static final Pattern MATCHER = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*(=~|!~|!=|=)\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*");

  private PromQl() {
  }

  /** Fails with what is wrong when the expression is not well formed. */
  static void check(String expr) {
    Deque<Character> open = new ArrayDeque<>();
    String rest = expr;
    int at = 0;
    while (at < rest.length()) {
      char c = rest.charAt(at);
      if (c == '[') {
        int end = rest.indexOf(']', at);
        if (end < 0) {
          throw new IllegalArgumentException("unbalanced [ in " + expr);
        }
        if (!DURATION.matcher(rest.substring(at + 1, end).trim()).matches()) {
          throw new IllegalArgumentException("range [" + rest.substring(at + 1, end) + "] is not a duration in " + expr);
        }
        at = end + 1;
        continue;
      }
      if (c == '{') {
        int end = rest.indexOf('}', at);
        String inside = end < 0 ? "" : rest.substring(at + 1, end);
        if (end < 0 || inside.contains("[") || inside.contains("(")) {
          throw new IllegalArgumentException("unbalanced { in " + expr);
        }
        for (String matcher : inside.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
          if (!MATCHER.matcher(matcher).matches()) {
            throw new IllegalArgumentException("label matcher '" + matcher.trim() + "' in " + expr);
          }
        }
        at = end + 1;
        continue;
      }
      if (c == '(') {
        open.push(c);
      } else if (c == ')') {
        if (open.isEmpty()) {
          throw new IllegalArgumentException("unbalanced ) in " + expr);
        }
        open.pop();
      } else if (c == ']' || c == '}') {
        throw new IllegalArgumentException("unbalanced " + c + " in " + expr);
      }
      at++;
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("unbalanced ( in " + expr);
    }
    metrics(expr);
  }

  /** The metrics the expression reads (function names, keywords, labels and grouping lists left out). */
  static Set<String> metrics(String expr) {
    String plain = expr.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    Set<String> metrics = new LinkedHashSet<>();
    Matcher m = TOKEN.matcher(plain);
    String previous = "";
    boolean inGrouping = false;
    int at = 0;
    while (m.find(at) && m.start() == at && at < plain.length()) {
      String token = m.group();
      at = m.end();
      if (token.isBlank()) {
        continue;
      }
      if (inGrouping) {
        inGrouping = !token.equals(")");
      } else if (GROUPING.contains(token)) {
        inGrouping = nextIsParen(plain, at);
      } else if (token.matches("[A-Za-z_:][A-Za-z0-9_:]*") && !previous.equals("offset")) {
        if (nextIsParen(plain, at) || FUNCTIONS.contains(token)) {
          if (!FUNCTIONS.contains(token)) {
            throw new IllegalArgumentException("unknown function " + token + " in " + expr);
          }
        } else if (!KEYWORDS.contains(token) && !token.matches("\\d.*")) {
          metrics.add(token);
        }
      }
      previous = token;
    }
    if (at < plain.length()) {
      throw new IllegalArgumentException("cannot read '" + plain.substring(at) + "' in " + expr);
    }
    return metrics;
  }

  private static boolean nextIsParen(String text, int from) {
    int i = from;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i < text.length() && text.charAt(i) == '(';
  }
}
