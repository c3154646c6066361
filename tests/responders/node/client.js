// Node WebSocket clients for the responder fixtures; prints one JSON line with what happened.
//
//   node client.js ws SPEC_JSON       the `ws` client: {url, headers, protocols, send: [text...],
//                                     then: [text...], wait_ms}; sends each of send after the open
//                                     and each of then after the first server message, then waits
//                                     for the server to close or wait_ms to pass, then closes
//   node client.js graphql SPEC_JSON  graphql-ws's createClient over `ws`: {url, token, query}
'use strict';
const WebSocket = require('ws');

const [mode, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const events = [];
const done = (extra) => {
  process.stdout.write(JSON.stringify({ events, ...extra }) + '\n');
  process.exit(0);
};
setTimeout(() => done({ timeout: true }), spec.timeout_ms || 5000);

function wsClient() {
  const ws = new WebSocket(spec.url, spec.protocols || [], { headers: spec.headers || {} });
  ws.on('unexpected-response', (req, res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => done({ status: res.statusCode, body }));
  });
  ws.on('error', (err) => events.push(['error', String(err.message)]));
  ws.on('open', () => {
    events.push(['open', ws.protocol]);
    for (const m of spec.send || []) ws.send(m);
    setTimeout(() => ws.close(1000), spec.wait_ms || 300);
  });
  let pending = spec.then || [];
  ws.on('message', (data) => {
    events.push(['message', String(data)]);
    // "then": messages sent once the server's first message (an ack, say) has arrived.
    for (const m of pending) ws.send(m);
    pending = [];
  });
  ws.on('close', (code, reason) => done({ close: [code, String(reason)] }));
}

function graphqlClient() {
  const { createClient } = require('graphql-ws');
  const client = createClient({
    url: spec.url,
    webSocketImpl: WebSocket,
    connectionParams: spec.token === undefined ? undefined : { token: spec.token },
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => events.push(['closed', e.code, String(e.reason)]) },
  });
  const sink = {
    next: (v) => events.push(['next', v]),
    error: (e) => { events.push(['error', e && (e.code || e.message || String(e))]); client.dispose(); setTimeout(() => done({}), 100); },
    complete: () => { events.push(['complete']); client.dispose(); setTimeout(() => done({}), 100); },
  };
  client.subscribe({ query: spec.query || '{ hello }' }, sink);
}

({ ws: wsClient, graphql: graphqlClient })[mode]();
