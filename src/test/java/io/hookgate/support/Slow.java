package io.hookgate.support;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Isolated;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that starts and stops whole nodes (clusters, crashes, restarts, shutdowns, outages, the
 * load test): left out of the fast set ({@code mvn test -DexcludedGroups=slow}), and run alone, never
 * beside another class, because what it checks depends on timing a busy machine would blur.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
@Isolated
public @interface Slow {
}
