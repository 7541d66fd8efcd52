/**
 * Several bridge replicas behind one database: leases (leader election, heartbeats, short cross-replica locks) as
 * compare-and-set rows, this replica's identity and whether it leads. Knows nothing of sessions, GitHub or providers.
 */
package dev.cde.bridge.replica;
