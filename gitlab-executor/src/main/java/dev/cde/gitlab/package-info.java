/**
 * The GitLab Runner custom executor driver: gitlab-runner's config/prepare/run/cleanup calls, each its own
 * process, turned into one cde session per job. Talks to the bridge only through the cli's client library;
 * holds no state of its own between stages (the bridge finds the job's session by name).
 */
package dev.cde.gitlab;
