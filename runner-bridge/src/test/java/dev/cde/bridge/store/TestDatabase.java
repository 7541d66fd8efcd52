package dev.cde.bridge.store;

import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * A database a store test runs on: H2 (the embedded default) or PostgreSQL (the production store), each new and
 * empty, or migrated by the bridge's own Flyway migrations exactly as the bridge migrates at start. Tests take one
 * as the parameter of an {@link OnBothDatabases} method.
 */
public abstract class TestDatabase {
  private TestDatabase() {
  }

  /** A new, empty database. */
  public abstract DataSource empty();

  /** A new database with every migration in {@code db/migration} applied. */
  public DataSource migrated() {
    DataSource db = empty();
    flyway(db).migrate();
    return db;
  }

  /** Flyway as the bridge configures it (quarkus.flyway defaults: {@code classpath:db/migration}). */
  public static Flyway flyway(DataSource db) {
    return Flyway.configure().dataSource(db).locations("classpath:db/migration").load();
  }

  /** H2 in memory, kept until the JVM ends, so a second DataSource on it is a bridge restart. */
  public static final class H2 extends TestDatabase {
    @Override
    public DataSource empty() {
      JdbcDataSource ds = new JdbcDataSource();
      ds.setURL("jdbc:h2:mem:cde-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
      ds.setUser("cde");
      ds.setPassword("");
      return ds;
    }

    @Override
    public String toString() {
      return "H2";
    }
  }

  /** A database on the run's one {@link PostgresCluster}, started on first use and stopped when the run ends. */
  public static final class Postgres extends TestDatabase {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Postgres.class);
    private final ExtensionContext.Store store;

    Postgres(ExtensionContext.Store store) {
      this.store = store;
    }

    /** The run's cluster; skips (developer machine) or fails (CI) the test when PostgreSQL is not installed. */
    public PostgresCluster cluster() {
      PostgresCluster.requireBinaries();
      // The root store closes it (AutoCloseable) when the whole run ends.
      return store.computeIfAbsent(PostgresCluster.class, k -> {
        try {
          return PostgresCluster.start();
        } catch (Exception e) {
          throw new IllegalStateException("cannot start the test PostgreSQL cluster: " + e.getMessage(), e);
        }
      }, PostgresCluster.class);
    }

    @Override
    public DataSource empty() {
      PostgresCluster cluster = cluster();
      return cluster.dataSource(cluster.createDatabase());
    }

    @Override
    public String toString() {
      return "PostgreSQL";
    }
  }

  /** Both databases, H2 first; the cluster starts only when a PostgreSQL invocation asks for it. */
  static final class Both implements ArgumentsProvider {
    @Override
    public Stream<? extends Arguments> provideArguments(ParameterDeclarations parameters, ExtensionContext context) {
      return Stream.of(Arguments.of(new H2()),
          Arguments.of(new Postgres(context.getRoot().getStore(Postgres.NAMESPACE))));
    }
  }
}
