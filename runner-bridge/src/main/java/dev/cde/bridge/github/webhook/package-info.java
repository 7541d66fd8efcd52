/**
 * GitHub's webhook: {@code POST /github/webhook} — signature check, duplicate detection, and handing accepted
 * {@code workflow_job} deliveries to a {@link dev.cde.bridge.github.webhook.WorkflowJobListener} off the HTTP
 * thread. Must not provision, call GitHub's API or touch sessions itself: that is the listener's job.
 */
package dev.cde.bridge.github.webhook;
