package dev.cde.bridge.provider.kubernetes;

import dev.cde.bridge.provider.InstanceStatus;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a pod's status says about its instance, in words a job log can show; no API calls. */
final class PodStates {
  /**
   * Waiting reasons that will not pass by themselves. {@code ErrImagePull} is left out: the kubelet retries a pull
   * once before it backs off, and a registry's hiccup should not fail a job.
   */
  static final Set<String> FATAL_WAITING = Set.of("ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
      "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff");

  private PodStates() {
  }

  /** Running, every readiness probe passed, and an address to dial. */
  static boolean ready(Pod pod) {
    PodStatus s = pod.getStatus();
    return s != null && "Running".equals(s.getPhase()) && s.getPodIP() != null && !s.getPodIP().isBlank()
        && pod.getMetadata().getDeletionTimestamp() == null
        && conditions(s).stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static InstanceStatus status(Pod pod) {
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return InstanceStatus.EXITED;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (phase == null || "Pending".equals(phase)) {
      return failure(pod).isPresent() ? InstanceStatus.EXITED : InstanceStatus.STARTING;
    }
    return switch (phase) {
      case "Running" -> InstanceStatus.RUNNING;
      case "Succeeded", "Failed" -> InstanceStatus.EXITED;
      default -> InstanceStatus.UNKNOWN;
    };
  }

  /** Why the pod will not (or no longer) run its agent: eviction, OOM kill, an image that cannot be pulled... */
  static Optional<String> failure(Pod pod) {
    if (pod == null) {
      return Optional.of("the pod was deleted");
    }
    PodStatus s = pod.getStatus();
    if (s == null) {
      return Optional.empty();
    }
    if ("Failed".equals(s.getPhase()) || "Succeeded".equals(s.getPhase())) {
      Optional<String> container = terminated(s).map(PodStates::describe);
      String pod0 = s.getReason() == null ? null : s.getReason() + (s.getMessage() == null ? "" : ": " + s.getMessage());
      if ("Succeeded".equals(s.getPhase())) {
        return Optional.of("the agent exited" + container.map(c -> " (" + c + ")").orElse(""));
      }
      return Optional.of("pod failed: " + (pod0 != null ? pod0 + container.map(c -> " (" + c + ")").orElse("")
          : container.orElse("no reason given")));
    }
    for (ContainerStatus c : containers(s)) {
      ContainerStateWaiting w = c.getState() == null ? null : c.getState().getWaiting();
      if (w != null && FATAL_WAITING.contains(w.getReason())) {
        return Optional.of(w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** Where a pod that is not ready yet stands, for a start that timed out. */
  static String pending(Pod pod) {
    if (pod == null) {
      return "the pod is gone";
    }
    PodStatus s = pod.getStatus();
    if (s == null) {
      return "no status yet";
    }
    for (PodCondition c : conditions(s)) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
        return "not scheduled: " + c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage());
      }
    }
    for (ContainerStatus c : containers(s)) {
      ContainerStateWaiting w = c.getState() == null ? null : c.getState().getWaiting();
      if (w != null && w.getReason() != null) {
        return "container waiting: " + w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage());
      }
    }
    return "phase " + s.getPhase() + (ready(pod) ? "" : ", not ready (readiness probe on /healthz)");
  }

  private static Optional<ContainerStateTerminated> terminated(PodStatus s) {
    return containers(s).stream().map(ContainerStatus::getState).filter(st -> st != null && st.getTerminated() != null)
        .map(ContainerState::getTerminated).findFirst();
  }

  private static String describe(ContainerStateTerminated t) {
    String reason = t.getReason() == null ? "terminated" : t.getReason();
    return reason + (t.getExitCode() == null ? "" : ", exit code " + t.getExitCode())
        + (t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + t.getMessage().strip());
  }

  private static List<PodCondition> conditions(PodStatus s) {
    return s.getConditions() == null ? List.of() : s.getConditions();
  }

  private static List<ContainerStatus> containers(PodStatus s) {
    return s.getContainerStatuses() == null ? List.of() : s.getContainerStatuses();
  }
}
