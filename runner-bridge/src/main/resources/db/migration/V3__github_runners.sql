-- The GitHub jobs the bridge serves, and the JIT runners it started for them. Jobs and runners are kept apart
-- because GitHub does not pair them: a runner takes any queued job its labels cover ("runner stealing"),
-- so capacity is counted per label set and the pairing is learnt from in_progress.runner_name.
CREATE TABLE github_jobs (
  job_id          BIGINT        NOT NULL,
  run_attempt     INTEGER       NOT NULL,
  repository      VARCHAR(200)  NOT NULL,
  run_id          BIGINT        NOT NULL,
  job_name        VARCHAR(500),
  labels          VARCHAR(4000) NOT NULL,
  label_key       VARCHAR(4000) NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  label_error     VARCHAR(2000),
  runner_name     VARCHAR(200),
  detail          VARCHAR(2000),
  launch_failures INTEGER       NOT NULL,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (job_id, run_attempt)
);
CREATE INDEX github_jobs_status ON github_jobs (status, repository);

CREATE TABLE github_runners (
  runner_name     VARCHAR(200)  NOT NULL PRIMARY KEY,
  session_id      VARCHAR(32)   NOT NULL,
  repository      VARCHAR(200)  NOT NULL,
  labels          VARCHAR(4000) NOT NULL,
  label_key       VARCHAR(4000) NOT NULL,
  for_job_id      BIGINT        NOT NULL,
  for_run_attempt INTEGER       NOT NULL,
  runner_id       BIGINT,
  job_id          BIGINT,
  state           VARCHAR(16)   NOT NULL,
  detail          VARCHAR(2000),
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX github_runners_session ON github_runners (session_id);
CREATE INDEX github_runners_state ON github_runners (state, repository);
