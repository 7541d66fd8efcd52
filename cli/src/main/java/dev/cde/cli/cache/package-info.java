/**
 * {@code cde cache save|restore}: the archive format (tar codec, zstd frames, path checks) and the bridge's cache
 * service as a job's script speaks it. Never decides a scope nor prints the cache token; touches nothing outside
 * the {@code --path}s it restores.
 */
package dev.cde.cli.cache;
