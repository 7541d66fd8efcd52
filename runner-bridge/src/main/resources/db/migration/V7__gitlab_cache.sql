-- GitLab's own cache (cache/gitlab): objects gitlab-runner stores through the bridge's S3-compatible endpoint.
-- The files under <nas>/gitlab/<bucket>/ are what GET serves; a row says when the object was last used (for LRU
-- eviction per GitLab project), its size (for the quota) and what S3 would give back with it (Content-Type,
-- x-amz-meta-*). Object names are at most 1024 bytes (S3's limit), which keeps the key within PostgreSQL's
-- index-entry limit.
CREATE TABLE gitlab_cache_objects (
  bucket        VARCHAR(63)   NOT NULL,
  object_name   VARCHAR(1024) NOT NULL,
  project       VARCHAR(20)   NOT NULL,
  size_bytes    BIGINT        NOT NULL,
  content_type  VARCHAR(255),
  metadata      VARCHAR(4000),
  modified_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  last_used_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (bucket, object_name)
);
CREATE INDEX gitlab_cache_objects_lru ON gitlab_cache_objects (bucket, project, last_used_at);

-- What each GitLab project got out of the cache: downloads that found their object (hits), that did not
-- (misses), and the bytes that went each way.
CREATE TABLE gitlab_cache_stats (
  bucket            VARCHAR(63) NOT NULL,
  project           VARCHAR(20) NOT NULL,
  hits              BIGINT      NOT NULL,
  misses            BIGINT      NOT NULL,
  bytes_uploaded    BIGINT      NOT NULL,
  bytes_downloaded  BIGINT      NOT NULL,
  PRIMARY KEY (bucket, project)
);
