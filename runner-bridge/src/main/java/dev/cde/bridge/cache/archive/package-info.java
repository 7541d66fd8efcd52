/**
 * Keyed archives on the NAS with actions/cache semantics: the store (publish by rename then row), its index,
 * scopes and eviction. Knows sessions only as ids and scopes as (repository, ref); never speaks HTTP.
 */
package dev.cde.bridge.cache.archive;
