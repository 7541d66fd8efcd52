/**
 * The nix binary cache on the NAS: its {@code file://} layout, the bridge's nix signing key, the push routes
 * instances upload built paths through, and the environment that tells instances the key and the push URL.
 * Never writes {@code /nix/store} or a nix database, and never hands the secret key to an instance.
 */
package dev.cde.bridge.cache.nix;
