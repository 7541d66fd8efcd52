package dev.cde.bridge.store;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * Quarkus fixes a datasource's driver at build time; this driver picks H2 or PostgreSQL by the
 * runtime URL, so the same jar runs embedded ({@code jdbc:h2:file:...}) or against PostgreSQL
 * ({@code jdbc:postgresql://...}) by configuration alone.
 */
public class RoutingDriver implements Driver {
  private static final Driver H2 = new org.h2.Driver();
  private static final Driver POSTGRESQL = new org.postgresql.Driver();

  private static Driver target(String url) {
    if (url != null && url.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (url != null && url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    return null;
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    Driver d = target(url);
    if (d == null) {
      throw new SQLException("unsupported JDBC URL " + url + ": use jdbc:h2:... or jdbc:postgresql:...");
    }
    return d.connect(url, info);
  }

  @Override
  public boolean acceptsURL(String url) {
    return target(url) != null;
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    Driver d = target(url);
    return d == null ? new DriverPropertyInfo[0] : d.getPropertyInfo(url, info);
  }

  @Override
  public int getMajorVersion() {
    return 1;
  }

  @Override
  public int getMinorVersion() {
    return 0;
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }
}
