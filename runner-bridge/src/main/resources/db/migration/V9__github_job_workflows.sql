-- The workflow a job belongs to, from the workflow_job webhook (workflow_job.workflow_name): the cost aggregates
-- (GET /api/v1/costs?groupBy=workflow|job) group a repository's jobs by it.
ALTER TABLE github_jobs ADD COLUMN workflow_name VARCHAR(500);
