package dev.cde.bridge.github.api;

import java.time.Instant;

/**
 * One attempt of GitHub to deliver an event to the App's webhook. A redelivery is a new attempt with the same
 * {@code guid} (which the webhook receives as {@code X-GitHub-Delivery}) and {@code redelivery} set.
 *
 * @param statusCode what the webhook answered; 0 when GitHub got no answer (timeout, connection refused)
 * @param action {@code null} for events without one
 */
public record HookDelivery(long id, String guid, Instant deliveredAt, boolean redelivery, int statusCode,
    String status, String event, String action) {

  /**
   * 2xx only. GitHub's own {@code status=success} filter also counts 3xx, but a redirect means the bridge never
   * saw the event (e.g. http to https), so for us it failed.
   */
  public boolean succeeded() {
    return statusCode >= 200 && statusCode < 300;
  }
}
