/**
 * Prices and the cost of a session's metered seconds ({@code cde.cost}).
 * Pure arithmetic: must not touch sessions, providers or storage.
 */
package dev.cde.bridge.cost;
