/**
 * The bridge's data directory ({@code cde.home}): where the database, keys, instance work dirs and NAS live.
 * Owns only the layout; must not touch what other features keep inside it.
 */
package dev.cde.bridge.home;
