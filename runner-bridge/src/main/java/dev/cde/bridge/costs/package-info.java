/**
 * What was spent: cost aggregates over ended sessions ({@code GET /api/v1/costs}, JSON or CSV) joined with the job
 * each session ran, the NAS cache's usage, and the size advice drawn from a job's history (priced with the active
 * table of dev.cde.bridge.cost). Reads stored figures only: never writes sessions, prices or meters.
 */
package dev.cde.bridge.costs;
