package dev.cde.bridge.cost;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Prices and amounts go out as written ({@code 0.0000000021}), never in scientific notation ({@code 2.1E-9}) that
 * some JSON readers turn into a float.
 */
@Singleton
public class PlainDecimals implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper.enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
  }
}
