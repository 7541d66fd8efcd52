/**
 * The cleanup stage: ends the job's sessions and logs their cost to the runner's log.
 * Must succeed with nothing to end; never runs anything on an instance.
 */
package dev.cde.gitlab.cleanup;
