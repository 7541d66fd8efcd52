-- The keyed archive cache (dev.cde.bridge.cache.archive). Numbered apart from the other features' migrations so
-- branches that add V4, V5... at the same time do not collide.

-- One published archive. The file on the NAS exists before its row (publish = move, then insert), so a reader
-- that finds a row finds a whole file; the unique key makes the first writer of a key the only one.
CREATE TABLE cache_archives (
  id            VARCHAR(36)   NOT NULL PRIMARY KEY,
  repository    VARCHAR(200)  NOT NULL,
  scope_ref     VARCHAR(300)  NOT NULL,
  cache_key     VARCHAR(512)  NOT NULL,
  version       VARCHAR(200)  NOT NULL,
  file_name     VARCHAR(300)  NOT NULL,
  size_bytes    BIGINT        NOT NULL,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  last_used_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT cache_archives_key UNIQUE (repository, scope_ref, cache_key, version)
);
CREATE INDEX cache_archives_lru ON cache_archives (repository, last_used_at);

-- The scope a session's cache calls act in, recorded once from the bridge's own knowledge of the session's job.
CREATE TABLE cache_session_scopes (
  session_id     VARCHAR(32)  NOT NULL PRIMARY KEY,
  repository     VARCHAR(200) NOT NULL,
  scope_ref      VARCHAR(300) NOT NULL,
  default_ref    VARCHAR(300),
  recorded_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Hits, partial hits (a restore key matched), misses and bytes, per session (one session runs one job).
CREATE TABLE cache_job_stats (
  session_id     VARCHAR(32)  NOT NULL PRIMARY KEY,
  hits           INTEGER      NOT NULL,
  partial_hits   INTEGER      NOT NULL,
  misses         INTEGER      NOT NULL,
  bytes_restored BIGINT       NOT NULL,
  bytes_saved    BIGINT       NOT NULL,
  updated_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
