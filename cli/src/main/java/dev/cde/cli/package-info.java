/**
 * The {@code cde} command: talks to the bridge's REST API and, through the tunnel library, to a
 * session's instance. Owns no secrets beyond the user's API token, and never prints it.
 */
package dev.cde.cli;
