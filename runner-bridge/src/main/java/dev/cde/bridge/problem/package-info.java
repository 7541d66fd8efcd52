/**
 * HTTP errors as RFC 9457 {@code application/problem+json}: the typed exceptions and their mappers.
 * Knows no feature; features throw these exceptions and must not build error responses themselves.
 */
package dev.cde.bridge.problem;
