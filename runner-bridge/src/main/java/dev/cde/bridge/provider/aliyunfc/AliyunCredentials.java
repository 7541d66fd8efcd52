package dev.cde.bridge.provider.aliyunfc;

import dev.cde.bridge.provider.ProviderException;
import java.util.Map;

/**
 * An AccessKey pair, and an STS token when the key is temporary, from the standard environment variables of
 * Alibaba Cloud's credentials chain (https://www.alibabacloud.com/help/en/sdk/developer-reference/v2-manage-access-credentials):
 * {@code ALIBABA_CLOUD_ACCESS_KEY_ID}, {@code ALIBABA_CLOUD_ACCESS_KEY_SECRET}, {@code ALIBABA_CLOUD_SECURITY_TOKEN}.
 * {@link #toString()} names the key id only.
 */
record AliyunCredentials(String accessKeyId, String accessKeySecret, String securityToken) {
  static AliyunCredentials fromEnv(Map<String, String> env) throws ProviderException {
    String id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID");
    String secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
      throw new ProviderException("no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
          + "ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for an STS key) in the bridge's environment");
    }
    String token = env.get("ALIBABA_CLOUD_SECURITY_TOKEN");
    return new AliyunCredentials(id.strip(), secret.strip(), token == null || token.isBlank() ? null : token.strip());
  }

  @Override
  public String toString() {
    return "AliyunCredentials[" + accessKeyId + "]";
  }
}
