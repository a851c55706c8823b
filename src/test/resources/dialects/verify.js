// Verifies webhook requests the way each platform's partners do, following the platforms' published
// recipes with Node's own crypto (nothing of Hookgate's code). Input on stdin: a JSON list of
// {"scheme", "secret", "headers" (lower-case names), "query" (object), "body" (text as received)};
// output on stdout: a JSON list of booleans, one per case: whether the request verifies with that secret.
'use strict';
const crypto = require('crypto');

function hmac(algorithm, key, message, encoding) {
  return crypto.createHmac(algorithm, key).update(message).digest(encoding);
}

// Shopline's "sort the payload by its keys" before JSON.stringify.
function sortByKeys(value) {
  if (Array.isArray(value)) return value.map(sortByKeys);
  if (value !== null && typeof value === 'object') {
    const sorted = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortByKeys(value[key]);
    return sorted;
  }
  return value;
}

function anyEqual(list, expected) {
  return list.some(candidate => candidate.length === expected.length
    && crypto.timingSafeEqual(Buffer.from(candidate), Buffer.from(expected)));
}

const verifiers = {
  // Standard Webhooks: v1,<base64 HMAC-SHA256(base64 key after whsec_, id.timestamp.body)>, space-separated.
  standard(c) {
    const key = c.secret.startsWith('whsec_') ? Buffer.from(c.secret.slice(6), 'base64') : Buffer.from(c.secret, 'utf8');
    const message = `${c.headers['webhook-id']}.${c.headers['webhook-timestamp']}.${c.body}`;
    const expected = 'v1,' + hmac('sha256', key, message, 'base64');
    return anyEqual(c.headers['webhook-signature'].split(' '), expected);
  },
  // Shopline Open API: ?sign = hex HMAC-SHA256(app secret, timestamp + ":" + JSON.stringify(sorted body)).
  shopline(c) {
    const timestamp = c.headers['x-shopline-developer-event-timestamp'];
    const message = timestamp + ':' + JSON.stringify(sortByKeys(JSON.parse(c.body)));
    return anyEqual(String(c.query.sign).split(','), hmac('sha256', c.secret, message, 'hex'));
  },
  // Shopline (Shopify convention): X-Shopline-Hmac-Sha256 = base64 HMAC-SHA256(app secret, raw body).
  'shopline-hmac'(c) {
    return anyEqual(c.headers['x-shopline-hmac-sha256'].split(','), hmac('sha256', c.secret, c.body, 'base64'));
  },
  // Omise: Omise-Signature = hex HMAC-SHA256(base64-decoded secret, timestamp + "." + raw body), comma-separated.
  omise(c) {
    const message = c.headers['omise-signature-timestamp'] + '.' + c.body;
    return anyEqual(c.headers['omise-signature'].split(','), hmac('sha256', Buffer.from(c.secret, 'base64'), message, 'hex'));
  },
  // Tiki: x-signature = "sha1=" + hex HMAC-SHA1(secret, raw body).
  tiki(c) {
    return anyEqual(c.headers['x-signature'].split(','), 'sha1=' + hmac('sha1', c.secret, c.body, 'hex'));
  },
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const results = cases.map(c => {
    try {
      return verifiers[c.scheme](c);
    } catch (e) {
      return false;
    }
  });
  process.stdout.write(JSON.stringify(results));
});
