/**
 * How a stage finds its job's session again through the bridge (by name), with no state of its own.
 * Never creates or ends a session: prepare and cleanup do.
 */
package dev.cde.gitlab.session;
