-- The branch a job runs on and its repository's default branch, from the workflow_job webhook (signed by
-- GitHub): the keyed archive cache scopes a job's entries by them (docs/caching.md).
ALTER TABLE github_jobs ADD COLUMN head_branch VARCHAR(300);
ALTER TABLE github_jobs ADD COLUMN default_branch VARCHAR(300);
