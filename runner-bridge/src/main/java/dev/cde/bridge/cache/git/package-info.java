/**
 * Bare git mirrors on the NAS ({@code <cde.cache.root>/git/<host>/<owner>/<repo>.git}), fetched with jgit before a
 * job and read by instances as git alternates. Never stores a credential in a mirror, never logs one.
 */
package dev.cde.bridge.cache.git;
