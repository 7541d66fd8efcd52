/**
 * The provider SPI (check a spec against a provider's limits, launch, stop, status, list the instances held, one
 * instance per session) and the choice of provider. Knows nothing of GitHub, GitLab, sessions' storage or the tunnel
 * protocol; every provider passes {@code ProviderConformance} (the bridge's tests, docs/providers.md).
 */
package dev.cde.bridge.provider;
