/**
 * Health checks served at {@code /q/health}.
 * Reads other features' state only to report it; must not change anything.
 */
package dev.cde.bridge.health;
