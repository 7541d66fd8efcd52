package dev.cde.bridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The bridge's Flyway migrations on both databases it supports: every one applies to an empty database (the
 * first start of a bridge), a second run applies nothing (every later start), and PostgreSQL ends up with the
 * same tables, columns, lengths, nullability, keys and indexes as H2, so a query tested on one means the same on
 * the other. New migrations are picked up by listing {@code db/migration}, never by a list kept here.
 */
class MigrationsTest {
  private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.+\\.sql");

  @OnBothDatabases
  void everyMigrationAppliesToAnEmptyDatabaseAndASecondRunAppliesNone(TestDatabase database) throws Exception {
    List<Integer> versions = migrationVersions();
    assertThat(versions).as("migrations in db/migration").isNotEmpty();
    Flyway flyway = TestDatabase.flyway(database.empty());

    MigrateResult first = flyway.migrate();
    assertThat(first.success).isTrue();
    assertThat(first.migrationsExecuted).isEqualTo(versions.size());
    assertThat(first.targetSchemaVersion).isEqualTo(String.valueOf(versions.get(versions.size() - 1)));

    MigrateResult again = flyway.migrate();
    assertThat(again.migrationsExecuted).isZero();
    flyway.validate();
  }

  @OnBothDatabases
  void theSchemaIsTheEmbeddedOnesColumnForColumnKeyForKey(TestDatabase database) throws Exception {
    Map<String, String> embedded = describe(new TestDatabase.H2().migrated());
    Map<String, String> actual = describe(database.migrated());
    assertThat(embedded).as("tables made by the migrations").containsKeys("sessions", "github_jobs",
        "github_deliveries", "cache_archives");
    assertThat(actual).isEqualTo(embedded);
  }

  /** db/migration's versioned migrations, in order, from the classpath directory Flyway reads too. */
  static List<Integer> migrationVersions() throws IOException, URISyntaxException {
    Path dir = Path.of(MigrationsTest.class.getClassLoader().getResource("db/migration").toURI());
    List<Integer> versions = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(f -> VERSIONED.matcher(f.getFileName().toString())).filter(Matcher::matches)
          .forEach(m -> versions.add(Integer.parseInt(m.group(1))));
    }
    versions.sort(null);
    return versions;
  }

  /**
   * Table name → a description of its columns (name, JDBC type, length for strings and numbers, nullability),
   * primary key, and indexes (columns and uniqueness, not their names: each database names the ones it makes
   * for keys itself). Flyway's own history table is left out.
   */
  static Map<String, String> describe(DataSource db) throws SQLException {
    Map<String, String> tables = new TreeMap<>();
    try (Connection c = db.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      String schema = c.getSchema();
      List<String> names = new ArrayList<>();
      try (ResultSet rs = meta.getTables(null, schema, "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          names.add(rs.getString("TABLE_NAME"));
        }
      }
      for (String table : names) {
        if (table.equalsIgnoreCase("flyway_schema_history")) {
          continue;
        }
        StringBuilder d = new StringBuilder();
        try (ResultSet rs = meta.getColumns(null, schema, table, "%")) {
          while (rs.next()) {
            int type = rs.getInt("DATA_TYPE");
            // H2 reports TIMESTAMP WITH TIME ZONE as such; PostgreSQL's driver reports timestamptz as TIMESTAMP.
            type = type == Types.TIMESTAMP_WITH_TIMEZONE ? Types.TIMESTAMP : type;
            String size = type == Types.VARCHAR || type == Types.NUMERIC
                ? "(" + rs.getInt("COLUMN_SIZE") + "," + rs.getInt("DECIMAL_DIGITS") + ")" : "";
            d.append(lower(rs.getString("COLUMN_NAME"))).append(' ').append(type).append(size)
                .append(rs.getInt("NULLABLE") == DatabaseMetaData.columnNoNulls ? " not null" : "").append("; ");
          }
        }
        TreeSet<String> key = new TreeSet<>();
        try (ResultSet rs = meta.getPrimaryKeys(null, schema, table)) {
          while (rs.next()) {
            key.add(lower(rs.getString("COLUMN_NAME")));
          }
        }
        d.append("primary key ").append(key).append("; ");
        Map<String, List<String>> indexColumns = new TreeMap<>();
        Map<String, Boolean> unique = new TreeMap<>();
        try (ResultSet rs = meta.getIndexInfo(null, schema, table, false, false)) {
          while (rs.next()) {
            String index = rs.getString("INDEX_NAME");
            if (index == null || rs.getString("COLUMN_NAME") == null) {
              continue;
            }
            indexColumns.computeIfAbsent(index, k -> new ArrayList<>()).add(lower(rs.getString("COLUMN_NAME")));
            unique.put(index, !rs.getBoolean("NON_UNIQUE"));
          }
        }
        TreeSet<String> indexes = new TreeSet<>();
        indexColumns.forEach((index, cols) -> indexes.add((unique.get(index) ? "unique " : "") + cols));
        d.append("indexes ").append(indexes);
        tables.put(lower(table), d.toString());
      }
    }
    return tables;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
