/**
 * GitHub's REST API as the bridge uses it: credentials (token or App installation token), JIT runner configs,
 * runner registrations, job lookups and the App's webhook deliveries, with rate-limit backoff. Must not decide
 * policy, touch sessions or receive webhooks: callers (session, reconciler) decide what to ask GitHub and when.
 */
package dev.cde.bridge.github.api;
