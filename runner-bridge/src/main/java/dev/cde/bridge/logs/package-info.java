/**
 * Session logs: what a session's long-running process (the Actions runner, a GitLab job) printed, kept in
 * one file per session under the bridge's home so that {@code cde logs} and the dashboard can show it
 * during the job and after the instance is gone.
 */
package dev.cde.bridge.logs;
