package dev.cde.bridge.provider;

/**
 * The provider cannot meet a spec (a GPU type it does not offer, more memory or time than it allows): thrown by
 * {@link InstanceProvider#check} before anything is launched, so the user gets the reason instead of a failed start.
 */
public class SpecRefusedException extends ProviderException {
  public SpecRefusedException(String message) {
    super(message);
  }
}
