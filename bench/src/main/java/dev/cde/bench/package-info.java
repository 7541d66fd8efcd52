/**
 * Benchmarks run by hand (bench/run.sh): tunnel throughput and latency against raw TCP and ssh -L, agent start.
 * Measures; never part of the test suite, never a dependency of product code.
 */
package dev.cde.bench;
