package dev.cde.bridge.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Sessions in SQL, with plain JDBC. Every state change is a compare-and-set on the state column, so
 * the broker, the reconciler and a second bridge replica can race without losing an update.
 */
@ApplicationScoped
public class SessionStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS = "id, state, template, cpu, memory_mb, gpu_type, gpu_count, max_duration_seconds,"
      + " provider, instance_id, endpoint, created_at, started_at, ended_at, end_reason, billed_seconds, cost_cpu_usd,"
      + " cost_memory_usd, cost_gpu_usd, cost_usd, agent_info,"
      + " name, cost_currency, cost_requests, billed_millis, price_table";

  private final DataSource db;

  public SessionStore(DataSource db) {
    this.db = db;
  }

  public void insert(Session s) {
    String sql = "INSERT INTO sessions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        + " ?, ?, ?, ?, ?, ?, ?)";
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, s);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot insert session " + s.id(), e);
    }
  }

  /** Writes {@code s} if the stored session is still in one of {@code expected}; false otherwise. */
  public boolean update(Session s, SessionState... expected) {
    String sets = "state = ?, template = ?, cpu = ?, memory_mb = ?, gpu_type = ?, gpu_count = ?, max_duration_seconds = ?,"
        + " provider = ?, instance_id = ?, endpoint = ?, created_at = ?, started_at = ?, ended_at = ?, end_reason = ?,"
        + " billed_seconds = ?, cost_cpu_usd = ?, cost_memory_usd = ?, cost_gpu_usd = ?, cost_usd = ?, agent_info = ?,"
        + " name = ?, cost_currency = ?, cost_requests = ?, billed_millis = ?, price_table = ?";
    String in = java.util.Arrays.stream(expected).map(x -> "?").collect(Collectors.joining(", "));
    String sql = "UPDATE sessions SET " + sets + " WHERE id = ? AND state IN (" + in + ")";
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      int i = bindFrom(ps, 1, s);
      ps.setString(i++, s.id());
      for (SessionState st : expected) {
        ps.setString(i++, st.name());
      }
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StoreException("cannot update session " + s.id(), e);
    }
  }

  public Optional<Session> find(String id) {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM sessions WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read session " + id, e);
    }
  }

  /** Newest first; all states when {@code states} is empty. */
  public List<Session> list(Collection<SessionState> states) {
    return list(states, null);
  }

  /** Newest first; all states when {@code states} is empty, any name when {@code name} is null. */
  public List<Session> list(Collection<SessionState> states, String name) {
    return list(states, name, 0);
  }

  /** Like {@link #list(Collection, String)}, at most {@code limit} sessions (0: all). */
  public List<Session> list(Collection<SessionState> states, String name, int limit) {
    List<String> conditions = new ArrayList<>();
    if (!states.isEmpty()) {
      conditions.add("state IN (" + states.stream().map(x -> "?").collect(Collectors.joining(", ")) + ")");
    }
    if (name != null) {
      conditions.add("name = ?");
    }
    String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM sessions" + where
            + " ORDER BY created_at DESC, id DESC" + (limit > 0 ? " FETCH FIRST " + limit + " ROWS ONLY" : ""))) {
      int i = 1;
      for (SessionState st : states) {
        ps.setString(i++, st.name());
      }
      if (name != null) {
        ps.setString(i++, name);
      }
      List<Session> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot list sessions", e);
    }
  }

  /** For the readiness check: the table is there and answers. */
  public long count() {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM sessions");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot count sessions", e);
    }
  }

  private static void bind(PreparedStatement ps, Session s) throws SQLException {
    ps.setString(1, s.id());
    int next = bindFrom(ps, 2, s);
    assert next == 27;
  }

  /** Binds every column but id, starting at {@code i}; returns the next index. */
  private static int bindFrom(PreparedStatement ps, int i, Session s) throws SQLException {
    ps.setString(i++, s.state().name());
    ps.setString(i++, s.template());
    ps.setDouble(i++, s.cpu());
    ps.setLong(i++, s.memoryMb());
    ps.setString(i++, s.gpuType());
    ps.setInt(i++, s.gpuCount());
    ps.setLong(i++, s.maxDurationSeconds());
    ps.setString(i++, s.provider());
    ps.setString(i++, s.instanceId());
    ps.setString(i++, s.endpoint());
    setInstant(ps, i++, s.createdAt());
    setInstant(ps, i++, s.startedAt());
    setInstant(ps, i++, s.endedAt());
    ps.setString(i++, Sql.clip(s.endReason(), 2000)); // a provider's error may carry a whole stderr
    CostBreakdown cost = s.cost();
    if (cost == null) {
      ps.setNull(i++, Types.BIGINT);
      for (int k = 0; k < 4; k++) {
        ps.setNull(i++, Types.NUMERIC);
      }
    } else {
      // whole seconds rounded up, as the column always held
      ps.setLong(i++, cost.billedSeconds().setScale(0, java.math.RoundingMode.CEILING).longValueExact());
      ps.setBigDecimal(i++, cost.cpu());
      ps.setBigDecimal(i++, cost.memory());
      ps.setBigDecimal(i++, cost.gpu());
      ps.setBigDecimal(i++, cost.total());
    }
    ps.setString(i++, s.agent() == null ? null : s.agent().toString());
    ps.setString(i++, s.name());
    ps.setString(i++, cost == null ? null : cost.currency());
    ps.setBigDecimal(i++, cost == null ? null : cost.requests());
    if (cost == null) {
      ps.setNull(i++, Types.BIGINT);
    } else {
      ps.setLong(i++, cost.billedSeconds().movePointRight(3).setScale(0, java.math.RoundingMode.CEILING).longValueExact());
    }
    ps.setString(i++, cost == null ? null : cost.priceTable());
    return i;
  }

  private static Session read(ResultSet rs) throws SQLException {
    CostBreakdown cost = null;
    BigDecimal total = rs.getBigDecimal("cost_usd");
    if (total != null) {
      // the amount columns keep their old names; their currency is cost_currency (rows from before it: USD)
      String currency = rs.getString("cost_currency");
      BigDecimal requests = rs.getBigDecimal("cost_requests");
      long millis = rs.getLong("billed_millis");
      if (rs.wasNull()) {
        millis = rs.getLong("billed_seconds") * 1000;
      }
      cost = new CostBreakdown(rs.getString("price_table"), currency == null ? "USD" : currency,
          BigDecimal.valueOf(millis, 3), rs.getBigDecimal("cost_cpu_usd"), rs.getBigDecimal("cost_memory_usd"),
          rs.getBigDecimal("cost_gpu_usd"), requests == null ? CostBreakdown.amount(BigDecimal.ZERO) : requests, total,
          java.util.List.of());
    }
    return new Session(rs.getString("id"), SessionState.valueOf(rs.getString("state")), rs.getString("template"),
        rs.getDouble("cpu"), rs.getLong("memory_mb"), rs.getString("gpu_type"), rs.getInt("gpu_count"),
        rs.getLong("max_duration_seconds"), rs.getString("provider"), rs.getString("instance_id"),
        rs.getString("endpoint"), getInstant(rs, "created_at"), getInstant(rs, "started_at"),
        getInstant(rs, "ended_at"), rs.getString("end_reason"), Session.usd(cost), cost, json(rs.getString("agent_info")),
        rs.getString("name"));
  }

  private static JsonNode json(String text) {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  /** A timestamp column as the session tables keep them: UTC, null when unknown. */
  static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(i, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }
  }

  static Instant getInstant(ResultSet rs, String col) throws SQLException {
    OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** The database failed; not the client's fault. */
  public static class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
      super(message + ": " + cause.getMessage(), cause);
    }
  }
}
