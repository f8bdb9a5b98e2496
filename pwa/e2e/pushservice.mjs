// A push service on loopback for browser tests: it accepts Web Push messages from the server
// and decrypts them (RFC 8291 aes128gcm) with keys of a subscription it made, so a test can hand
// the real payload to the browser's service worker. Headless Chromium has no push service.
import { createECDH, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (b) => Buffer.from(b).toString('base64url');

function decrypt(body, ecdh, auth) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const secret = ecdh.computeSecret(asPublic);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, auth, info, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const d = createDecipheriv('aes-128-gcm', cek, nonce);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
  let end = plain.length - 1;
  while (end > 0 && plain[end] === 0) end--; // padding, then the 0x02 delimiter of the last record
  return JSON.parse(plain.subarray(0, end).toString('utf8'));
}

/** Starts the service; `subscription()` gives what PushManager.subscribe would, `messages` what arrived. */
export async function startPushService() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const messages = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        messages.push({ topic: req.headers.topic, payload: decrypt(Buffer.concat(chunks), ecdh, auth) });
        res.writeHead(201).end();
      } catch (e) {
        messages.push({ error: String(e) });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    messages,
    subscription: () => ({ endpoint: `http://127.0.0.1:${port}/push/e2e`, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } }),
    close: () => new Promise((r) => server.close(r)),
  };
}
