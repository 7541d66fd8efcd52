/**
 * The database connection: H2 embedded by default, PostgreSQL when the URL says so.
 * Owns no tables; each feature owns its own SQL and Flyway migrations, and runs it through {@link
 * dev.cde.bridge.store.Sql}.
 */
package dev.cde.bridge.store;
