package io.hookgate.dialect;

import java.util.List;
import java.util.Map;

/**
 * Registration by category (Tiki's {@code register-webhooks}): one call names a URL and a secret per
 * category, and each category becomes a subscription to its event types in this dialect.
 *
 * @param categories category → the event types (or wildcards) its subscription listens to
 */
public record Registration(String payloadFormat, String signatureScheme, Map<String, List<String>> categories) {
}
