/**
 * Caches on the NAS that make the next instance start warm: keyed archives (actions/cache semantics), the nix
 * binary cache, git mirrors. Owns the NAS layout; knows GitHub and GitLab only as the scopes (repository, branch)
 * their callers pass in, and never hands the bridge's signing key to an instance.
 */
package dev.cde.bridge.cache;
