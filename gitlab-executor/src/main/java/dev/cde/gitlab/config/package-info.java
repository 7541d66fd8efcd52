/**
 * The config stage: the JSON gitlab-runner reads (builds and cache dirs, driver, shell).
 * Reads only the runner's environment; never talks to the bridge.
 */
package dev.cde.gitlab.config;
