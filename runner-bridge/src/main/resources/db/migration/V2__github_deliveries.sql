-- What GitHub's webhook has already delivered, so redeliveries and retries are dropped.
-- Plain SQL that H2 and PostgreSQL both accept; the primary keys do the de-duplication.
CREATE TABLE github_deliveries (
  delivery_id VARCHAR(64)              NOT NULL PRIMARY KEY,
  received_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A redelivery keeps its delivery id, but the same job event also arrives under different ids, e.g.
-- when both a repository webhook and an organization webhook or App point at the bridge.
CREATE TABLE github_job_events (
  job_id      BIGINT                   NOT NULL,
  run_attempt INTEGER                  NOT NULL,
  action      VARCHAR(32)              NOT NULL,
  received_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (job_id, run_attempt, action)
);

CREATE INDEX github_deliveries_received_at ON github_deliveries (received_at);
CREATE INDEX github_job_events_received_at ON github_job_events (received_at);
