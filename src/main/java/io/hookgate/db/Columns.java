package io.hookgate.db;

import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Rows turned into columns: the arguments of a batch statement that takes one array per column and
 * {@code unnest}s them ({@code INSERT … SELECT … FROM unnest($1::uuid[], $2::text[], …)}), one round trip
 * for any number of rows. Columns are added in the order of the statement's parameters.
 *
 * <pre>{@code
 * Tuple args = Columns.of(rows).uuid(Row::id).text(Row::status).timestamp(Row::at).tuple();
 * }</pre>
 */
public final class Columns<T> {
  private final List<T> rows;
  private final Tuple tuple = Tuple.tuple();

  private Columns(List<T> rows) {
    this.rows = rows;
  }

  public static <T> Columns<T> of(List<T> rows) {
    return new Columns<>(rows);
  }

  public Columns<T> uuid(Function<T, UUID> column) {
    tuple.addArrayOfUUID(rows.stream().map(column).toArray(UUID[]::new));
    return this;
  }

  public Columns<T> text(Function<T, String> column) {
    tuple.addArrayOfString(rows.stream().map(column).toArray(String[]::new));
    return this;
  }

  public Columns<T> integer(Function<T, Integer> column) {
    tuple.addArrayOfInteger(rows.stream().map(column).toArray(Integer[]::new));
    return this;
  }

  public Columns<T> bigint(Function<T, Long> column) {
    tuple.addArrayOfLong(rows.stream().map(column).toArray(Long[]::new));
    return this;
  }

  public Columns<T> bool(Function<T, Boolean> column) {
    tuple.addArrayOfBoolean(rows.stream().map(column).toArray(Boolean[]::new));
    return this;
  }

  /** A time column; a null instant stays null. */
  public Columns<T> timestamp(Function<T, Instant> column) {
    tuple.addArrayOfOffsetDateTime(rows.stream().map(column)
      .map(at -> at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).toArray(OffsetDateTime[]::new));
    return this;
  }

  /** A value that goes with every row alike (a scalar parameter among the columns). */
  public Columns<T> value(Object value) {
    tuple.addValue(value);
    return this;
  }

  public Tuple tuple() {
    return tuple;
  }
}
