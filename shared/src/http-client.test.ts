import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { callJson, classifyError, describeFailure, failureCauseOf, httpCall, type CallFailure } from './http-client';

/** Each path of this stand-in fails (or answers) one way; the client must say which. */
let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: 1 }));
      if (req.url === '/echo') return void res.writeHead(201).end(JSON.stringify({ method: req.method, type: req.headers['content-type'], auth: req.headers.authorization, body: JSON.parse(body) }));
      if (req.url === '/text') return void res.writeHead(200).end('plain words');
      if (req.url === '/error') return void res.writeHead(503).end(JSON.stringify({ error: 'busy' }));
      if (req.url === '/reset') return void req.socket.destroy();
      if (req.url === '/half') {
        res.writeHead(200, { 'content-length': '100' }).write('{"n":');
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 2000);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A port nobody listens on. */
const CLOSED = 'http://127.0.0.1:1';
const failureOf = async (url: string, timeoutMs = 2000): Promise<CallFailure> => {
  const outcome = await httpCall(url, { timeoutMs });
  assert.ok(!outcome.ok, `expected ${url} to fail, it answered ${outcome.ok && outcome.status}`);
  return outcome.failure;
};

test('an answer of any status is an answer, its body JSON or else text', async () => {
  assert.deepEqual(await httpCall(`${base}/json`, { timeoutMs: 2000 }), { ok: true, status: 200, body: { n: 1 } });
  assert.deepEqual(await httpCall(`${base}/text`, { timeoutMs: 2000 }), { ok: true, status: 200, body: 'plain words' });
  assert.deepEqual(await httpCall(`${base}/error`, { timeoutMs: 2000 }), { ok: true, status: 503, body: { error: 'busy' } });
});

test('a body is sent as JSON with the given method and headers', async () => {
  const outcome = await httpCall(`${base}/echo`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: { a: 1 }, timeoutMs: 2000 });
  assert.deepEqual(outcome, { ok: true, status: 201, body: { method: 'POST', type: 'application/json', auth: 'Bearer t', body: { a: 1 } } });
});

test('no answer is classified: refused, reset, timeout', async () => {
  assert.deepEqual(await failureOf(CLOSED), { kind: 'refused', code: 'ECONNREFUSED' });
  assert.equal((await failureOf(`${base}/reset`)).kind, 'reset');
  assert.equal((await failureOf(`${base}/half`)).kind, 'reset', 'an answer cut off mid-body');
  const started = performance.now();
  assert.deepEqual(await failureOf(`${base}/slow`, 150.5), { kind: 'timeout', timeoutMs: 150.5 }, 'a fraction of a millisecond is no error');
  assert.ok(performance.now() - started < 1500, 'the deadline ends the call');
});

test('callJson: an unaccepted status and a body outside the contract are failures of their own kinds', async () => {
  const schema = z.object({ n: z.number() });
  assert.deepEqual(await callJson(`${base}/json`, schema, { timeoutMs: 2000 }), { ok: true, status: 200, value: { n: 1 } });
  assert.deepEqual(await callJson(`${base}/error`, schema, { timeoutMs: 2000 }), { ok: false, failure: { kind: 'status', status: 503, body: { error: 'busy' } } });
  assert.deepEqual(await callJson(`${base}/error`, z.object({ error: z.string() }), { timeoutMs: 2000, accept: (s) => s === 503 }), {
    ok: true,
    status: 503,
    value: { error: 'busy' },
  });
  const bad = await callJson(`${base}/text`, schema, { timeoutMs: 2000 });
  assert.ok(!bad.ok && bad.failure.kind === 'contract');
  assert.match(describeFailure(bad.failure), /^unexpected answer \(\(root\): Expected object/);
});

test('other errors: unreachable and unknown codes, and a wrapped cause (fetch) is unwrapped', () => {
  assert.deepEqual(classifyError(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), 100), { kind: 'unreachable', code: 'EHOSTUNREACH' });
  assert.deepEqual(classifyError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CONSTANT' }), 100), { kind: 'network', code: 'HPE_INVALID_CONSTANT' });
  const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
  assert.deepEqual(classifyError(wrapped, 100), { kind: 'refused', code: 'ECONNREFUSED' });
  assert.deepEqual(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 100), { kind: 'timeout', timeoutMs: 100 });
});

test('each failure is evidence of one detection cause, and reads as a few words', () => {
  const cases: [CallFailure, string, string][] = [
    [{ kind: 'refused', code: 'ECONNREFUSED' }, 'crash', 'ECONNREFUSED'],
    [{ kind: 'reset', code: 'ECONNRESET' }, 'crash', 'ECONNRESET'],
    [{ kind: 'unreachable', code: 'EHOSTUNREACH' }, 'crash', 'EHOSTUNREACH'],
    [{ kind: 'network', code: 'HPE_INVALID_CONSTANT' }, 'http_error', 'HPE_INVALID_CONSTANT'],
    [{ kind: 'timeout', timeoutMs: 300 }, 'timeout', 'no answer within 300 ms'],
    [{ kind: 'status', status: 500, body: {} }, 'http_error', 'HTTP 500'],
    [{ kind: 'contract', status: 200, issue: 'n: Required' }, 'http_error', 'unexpected answer (n: Required)'],
  ];
  for (const [failure, cause, words] of cases) {
    assert.equal(failureCauseOf(failure), cause, failure.kind);
    assert.equal(describeFailure(failure), words);
  }
});
