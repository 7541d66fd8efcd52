/**
 * The prepare stage: a job's size from its variables, and the session created and awaited.
 * Must not run anything on the instance; run stages do that.
 */
package dev.cde.gitlab.prepare;
