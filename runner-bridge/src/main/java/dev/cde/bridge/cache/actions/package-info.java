/**
 * GitHub's cache service protocol (Twirp v2 and its signed blob URLs) over the archive store. Owns the cache
 * tokens; must not decide scopes itself: it takes the one the bridge recorded for the calling session.
 */
package dev.cde.bridge.cache.actions;
