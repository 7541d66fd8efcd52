-- The job a session ran, as a client that is not GitHub names it (GitLab's executor: the project's CI config and
-- the job's name). With the repository of the session's cache scope, its runs make one job's history, as a GitHub
-- job's do (docs/costs.md, "Size recommendation").
CREATE TABLE session_jobs (
  session_id  VARCHAR(32)  NOT NULL PRIMARY KEY,
  workflow    VARCHAR(200),
  job_name    VARCHAR(200) NOT NULL
);
