/**
 * Budgets per repository, owner or everything per UTC day or month, and the per-job cost cap ({@code cde.budgets}):
 * reads the sessions' costs (never writes them) and answers whether a new job may start; ends sessions past their cap.
 */
package dev.cde.bridge.cost.budget;
