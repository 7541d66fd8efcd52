/**
 * The per-session (per-job) cost report, as JSON and Markdown, and its REST resource: assembled from the session,
 * its meter, the price tables, the cache's counters, what the CI features say of the job and the size advice
 * (dev.cde.bridge.costs). Changes nothing.
 */
package dev.cde.bridge.cost.report;
