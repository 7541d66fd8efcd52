package dev.cde.bridge.session;

import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.problem.InvalidRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code /api/v1/sessions}: the session API; the broker does the work. */
@Path("/api/v1/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {
  private final SessionBroker broker;
  private final SessionConfig config;
  private final ArchiveIndex archives;
  private final jakarta.enterprise.inject.Instance<SessionAdmission> admissions;
  private final SessionJobs jobs;

  public SessionResource(SessionBroker broker, SessionConfig config, ArchiveIndex archives,
      jakarta.enterprise.inject.Instance<SessionAdmission> admissions, SessionJobs jobs) {
    this.jobs = jobs;
    this.broker = broker;
    this.config = config;
    this.archives = archives;
    this.admissions = admissions;
  }

  /** With {@code wait=true}: answers once the session runs or failed (at most {@code cde.session.wait-timeout}). */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(CreateSessionRequest body, @QueryParam("wait") boolean wait) {
    CacheScope scope = cacheScope(body);
    CreateSessionRequest.JobRequest job = SessionJobs.checked(body);
    for (SessionAdmission a : admissions) {
      a.admit(scope == null ? null : scope.repository());
    }
    Session s = broker.create(body);
    if (scope != null) {
      // Recorded before the instance can run anything: the session's first cache call finds it.
      archives.recordScope(s.id(), scope);
    }
    if (job != null) {
      jobs.record(s.id(), job);
    }
    if (wait) {
      s = broker.awaitSettled(s.id(), config.waitTimeout());
    }
    return Response.created(UriBuilder.fromPath("/api/v1/sessions/{id}").build(s.id())).entity(s).build();
  }

  private static CacheScope cacheScope(CreateSessionRequest body) {
    if (body == null || body.cacheScope() == null) {
      return null;
    }
    CreateSessionRequest.CacheScopeRequest c = body.cacheScope();
    try {
      return CacheScope.requested(c.repository(), c.ref(), c.defaultRef());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  /**
   * {@code state}: comma-separated states; {@code name}: only sessions created with that name; {@code limit}: at most
   * that many, newest first (1 to 1000; all when left out).
   */
  @GET
  public List<Session> list(@QueryParam("state") String state, @QueryParam("name") String name,
      @QueryParam("limit") String limit) {
    Set<SessionState> states = EnumSet.noneOf(SessionState.class);
    if (state != null && !state.isBlank()) {
      for (String part : state.split(",")) {
        try {
          states.add(SessionState.valueOf(part.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException("state '" + part + "' is not one of " + EnumSet.allOf(SessionState.class));
        }
      }
    }
    return broker.list(states, name == null || name.isEmpty() ? null : SessionSpecParser.name(name), limit(limit));
  }

  static int limit(String limit) {
    if (limit == null || limit.isBlank()) {
      return 0;
    }
    try {
      int n = Integer.parseInt(limit.strip());
      if (n >= 1 && n <= 1000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidRequestException("limit '" + limit + "' is not a number from 1 to 1000");
  }

  @GET
  @Path("{id}")
  public Session get(@PathParam("id") String id) {
    return broker.get(id);
  }

  /**
   * What the session cost so far (billed seconds to now), or its final cost once it ended: a client that
   * reports cost before it ends the session (the GitLab executor's last stage) needs the running figure.
   */
  @GET
  @Path("{id}/cost")
  public CostBreakdown cost(@PathParam("id") String id) {
    Session s = broker.get(id);
    return s.cost() != null ? s.cost() : broker.costOf(s, java.time.Instant.now());
  }

  /**
   * The session's job started (GitHub's job hook, a GitLab stage, {@code cde run}): the report's job time and the
   * GitHub-hosted comparison count from here. Only the first report counts; answers the recorded start.
   */
  @POST
  @Path("{id}/job-started")
  public JobTime jobStarted(@PathParam("id") String id) {
    broker.get(id);
    return new JobTime(id, broker.costs().meters().jobStarted(id));
  }

  /** The session's job ended; the latest report counts. */
  @POST
  @Path("{id}/job-ended")
  public JobTime jobEnded(@PathParam("id") String id) {
    broker.get(id);
    return new JobTime(id, broker.costs().meters().jobEnded(id));
  }

  /** The answer to a job start or end: the time the bridge keeps. */
  public record JobTime(String sessionId, java.time.Instant at) {
  }

  /** Ends the session; the answer carries its cost. Ending an ended session returns it. */
  @DELETE
  @Path("{id}")
  public Session end(@PathParam("id") String id) {
    return broker.end(id, "ended by request");
  }
}
