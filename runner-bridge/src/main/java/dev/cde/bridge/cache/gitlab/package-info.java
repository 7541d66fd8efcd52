/**
 * GitLab's own {@code cache:} keyword on the NAS: an S3-compatible endpoint for gitlab-runner's distributed cache
 * (pre-signed GET/HEAD/PUT checked with SigV4, objects stored as files, LRU per project). Knows GitLab only as
 * object names; never touches the keyed archives, the nix cache or sessions.
 */
package dev.cde.bridge.cache.gitlab;
