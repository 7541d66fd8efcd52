/**
 * Price tables ({@code prices/prices.yaml}, {@code cde.cost}) and the arithmetic of billed time and cost, in exact
 * decimals. Reads no sessions, storage or HTTP; knows providers only by their names.
 */
package dev.cde.bridge.cost;
