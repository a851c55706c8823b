/**
 * The configuration as typed records, read from {@code conf/hookgate.yaml} with environment overrides and
 * validated whole: a bad value stops start-up with one line naming its key. While the node runs, the file
 * is watched ({@link io.hookgate.config.ConfigReload}) and the tunables that are safe to change live are
 * put in force ({@link io.hookgate.config.LiveConfig}); docs/decisions/020-live-reload.md.
 *
 * <p>Threading: the records are immutable; {@link io.hookgate.config.LiveConfig} swaps whole states behind
 * a volatile field and tells its listeners on the reloading thread.
 */
package io.hookgate.config;
