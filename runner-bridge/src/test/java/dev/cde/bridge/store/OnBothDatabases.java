package dev.cde.bridge.store;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * A store test that runs twice: on H2 and on PostgreSQL ({@link TestDatabase}), so SQL that only one of them
 * accepts, or that behaves differently on one, fails a build. The method takes the {@link TestDatabase}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ParameterizedTest(name = "{0}")
@ArgumentsSource(TestDatabase.Both.class)
public @interface OnBothDatabases {
}
