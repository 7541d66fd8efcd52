package dev.cde.bridge.provider.aliyunfc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "cde.aliyun-fc")
public interface FcConfig {
  /** The Alibaba Cloud account id (the FC endpoint's host starts with it). */
  Optional<String> accountId();

  /** The region, e.g. {@code cn-hangzhou}; default {@code ALIBABA_CLOUD_REGION_ID}. */
  Optional<String> region();

  /** The FC 3.0 API; default {@code https://<account-id>.<region>.fc.aliyuncs.com}. */
  Optional<URI> endpoint();

  /** The function image in Container Registry (same region), e.g. {@code registry.cn-hangzhou.aliyuncs.com/ns/cde-function:1}. */
  Optional<String> image();

  /** Functions are named {@code <prefix>-<shape>}, one per instance shape, created and updated by the bridge. */
  @WithDefault("cde")
  String functionPrefix();

  /** The RAM role the functions run as (needed to pull from a private registry and to mount the NAS). */
  Optional<String> role();

  /** The NAS to mount, {@code <mount target>:/<dir>} (e.g. {@code 0a1b2c-xyz.cn-hangzhou.nas.aliyuncs.com:/cde}); unset: no NAS. */
  Optional<String> nasServer();

  /** Where the NAS appears in the instance. */
  @WithDefault("/nas")
  String nasMountDir();

  /** The uid and gid files on the NAS belong to (the image's {@code runner} user). */
  @WithDefault("1001")
  int nasUserId();

  /** The VPC (required for the NAS). */
  Optional<String> vpcId();

  Optional<List<String>> vswitchIds();

  Optional<String> securityGroupId();
}
