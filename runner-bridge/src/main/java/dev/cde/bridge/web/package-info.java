/**
 * The dashboard at {@code /dashboard}: its static page (sessions and jobs, live logs, costs, cache, a read-only
 * terminal), the login that turns the API token into a short-lived cookie for its read-only API routes, and the
 * browser-friendly read-only terminal WebSocket. Reads through the API and the relay; never writes a store.
 */
package dev.cde.bridge.web;
