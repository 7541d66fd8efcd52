/**
 * The {@code lambda} provider: each session is one asynchronous invocation of an AWS Lambda function running the
 * function image, whose agent dials the bridge. Owns only its Lambda API calls; must not touch sessions or the tunnel.
 */
package dev.cde.bridge.provider.lambda;
