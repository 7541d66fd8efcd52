-- A client's own label for a session (e.g. gitlab-<job id>): the GitLab executor's stages are separate
-- processes that keep no state, so they find their session again by name.
ALTER TABLE sessions ADD COLUMN name VARCHAR(128);
CREATE INDEX sessions_name ON sessions (name);
