/**
 * The provider SPI (launch, stop, status of one instance per session) and the choice of provider.
 * Knows nothing of GitHub, GitLab, sessions' storage or the tunnel protocol.
 */
package dev.cde.bridge.provider;
