/**
 * What was spent: cost aggregates over ended sessions ({@code GET /api/v1/costs}, JSON or CSV) joined with the job
 * each session ran, and the NAS cache's usage. Reads the stored figures only: never prices or meters (dev.cde.bridge.cost).
 */
package dev.cde.bridge.costs;
