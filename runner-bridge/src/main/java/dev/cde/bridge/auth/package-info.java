/**
 * The API token that guards {@code /api/v1/**}: created once, checked on every request (or a request admitted by an
 * earlier check, see ApiTokenFilter.ADMITTED). Must not log the token nor know what the guarded resources do.
 */
package dev.cde.bridge.auth;
