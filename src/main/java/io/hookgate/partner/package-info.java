/**
 * The Partner API's webhooks and what partners do with them: subscriptions (create, change, pause,
 * rotate, delete), their delivery history (list, inspect, retry, clear, recover), stats, ping and test;
 * the Platform API's support views of the same.
 *
 * <p>Threading: stateless; the routes run on their API verticle's event loop.
 */
package io.hookgate.partner;
