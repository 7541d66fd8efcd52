/**
 * The {@code cloud-run} provider: the function image deployed as Google Cloud Run services (WebSockets, one request
 * per instance, L4 GPU or CPU only); each session is one WebSocket request. Owns only its Cloud Run Admin API calls
 * and Google OAuth tokens; must not touch sessions or the tunnel.
 */
package dev.cde.bridge.provider.cloudrun;
