/**
 * The frame format: header layout, frame types, error codes, limits, and the stateless decoder.
 * Knows bytes only: no channel or session state.
 */
package dev.cde.tunnel.codec;
