package io.hookgate.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** One page of a list with the total it was cut from. */
public record Paged<T>(List<T> items, long total) {

  /**
   * Runs a page query whose rows carry {@code count(*) OVER () AS total}. Past the last page there is no
   * row to carry the total, so the count query supplies it.
   */
  public static <T> Future<Paged<T>> query(SqlClient pool, String pageSql, Tuple pageArgs, String countSql, Tuple countArgs,
                                           Function<Row, T> mapper) {
    return pool.preparedQuery(pageSql).execute(pageArgs).compose(rows -> {
      List<T> items = new ArrayList<>();
      long total = -1;
      for (Row row : rows) {
        items.add(mapper.apply(row));
        total = row.getLong("total");
      }
      if (total >= 0) {
        return Future.succeededFuture(new Paged<>(items, total));
      }
      return pool.preparedQuery(countSql).execute(countArgs).map(count -> new Paged<>(items, count.iterator().next().getLong(0)));
    });
  }
}
