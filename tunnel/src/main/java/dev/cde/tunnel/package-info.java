/**
 * The tunnel session: one WebSocket, many channels with credit flow control, keepalive, GOAWAY; client dialling and pipes.
 * Depends on nothing of ours; docs/protocol.md is its specification.
 */
package dev.cde.tunnel;
