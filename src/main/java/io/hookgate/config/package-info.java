/**
 * The configuration as typed records, read once from {@code conf/hookgate.yaml} with environment
 * overrides and validated whole: a bad value stops start-up with one line naming its key.
 *
 * <p>Threading: immutable once built.
 */
package io.hookgate.config;
