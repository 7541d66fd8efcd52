/**
 * Per-session tunnel tokens: Ed25519 JWTs the bridge signs and agents verify with the public key alone.
 * Holds no keys itself; callers own key storage.
 */
package dev.cde.tunnel.auth;
