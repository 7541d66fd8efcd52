-- Sessions: one instance for one job or person. Plain SQL that H2 and PostgreSQL both accept.
CREATE TABLE sessions (
  id                   VARCHAR(32)    NOT NULL PRIMARY KEY,
  state                VARCHAR(16)    NOT NULL,
  template             VARCHAR(128)   NOT NULL,
  cpu                  DOUBLE PRECISION NOT NULL,
  memory_mb            BIGINT         NOT NULL,
  gpu_type             VARCHAR(32),
  gpu_count            INTEGER        NOT NULL,
  max_duration_seconds BIGINT         NOT NULL,
  provider             VARCHAR(64),
  instance_id          VARCHAR(256),
  endpoint             VARCHAR(1024),
  created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
  started_at           TIMESTAMP WITH TIME ZONE,
  ended_at             TIMESTAMP WITH TIME ZONE,
  end_reason           VARCHAR(2000),
  billed_seconds       BIGINT,
  cost_cpu_usd         NUMERIC(18, 6),
  cost_memory_usd      NUMERIC(18, 6),
  cost_gpu_usd         NUMERIC(18, 6),
  cost_usd             NUMERIC(18, 6),
  agent_info           VARCHAR(16000)
);

CREATE INDEX sessions_state ON sessions (state);
CREATE INDEX sessions_created_at ON sessions (created_at);
