/**
 * GitHub's cache service protocols (Twirp v2 with its signed blob URLs, and the older REST one under a URL that
 * carries the session's token) over the archive store. Owns the cache tokens and what a session's processes get
 * to reach the cache; must not decide scopes itself: it takes the one the bridge recorded for the calling session.
 */
package dev.cde.bridge.cache.actions;
