/**
 * The {@code aliyun-fc} provider: the function image as Alibaba Cloud Function Compute 3.0 custom-container functions
 * (one per instance shape) with an HTTP trigger; each session is one WebSocket request to it. Owns only its FC API
 * calls and request signing; must not touch sessions or the tunnel.
 */
package dev.cde.bridge.provider.aliyunfc;
