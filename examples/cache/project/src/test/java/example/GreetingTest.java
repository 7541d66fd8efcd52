package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GreetingTest {
  @Test
  void greetsByName() {
    assertEquals("Hello, Cde!", Greeting.of(" cde "));
    assertEquals("Hello, World!", Greeting.of(" "));
  }
}
