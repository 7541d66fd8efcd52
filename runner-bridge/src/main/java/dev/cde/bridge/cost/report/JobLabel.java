package dev.cde.bridge.cost.report;

import java.util.Optional;

/**
 * What a CI feature knows of the job a session ran, in a few words for the report's heading ("GitHub job 42 ·
 * octo/app · build"). The report asks every implementation and takes the first answer; it knows none of them.
 */
public interface JobLabel {
  Optional<String> of(String sessionId);
}
