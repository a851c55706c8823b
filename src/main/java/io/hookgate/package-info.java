/**
 * A gateway node: {@link io.hookgate.Main} reads the configuration; {@link io.hookgate.Hookgate} is the
 * composition root, which builds every part once, in order, gives each verticle what it uses, and stops
 * them in the reverse order; {@link io.hookgate.Api} is the HTTP API each API verticle serves. Nothing
 * else in the project imports this package.
 *
 * <p>Threading: start and close block the calling thread (never an event loop); each API verticle's
 * router, writer and client live on that verticle's event loop.
 */
package io.hookgate;
