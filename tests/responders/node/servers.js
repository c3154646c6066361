// Node WebSocket servers for the responder fixtures (tests/responders/make_fixtures.py).
//
//   node servers.js ws PORT        the `ws` library behind an http server: routes by path in
//                                  'upgrade', verifyClient, a hand-written refusal, close after accept
//   node servers.js ws-path PORT   a WebSocketServer({port, path: '/ws'}): other paths get its 400
//   node servers.js graphql PORT   graphql-ws's useServer on a ws server at /graphql, with an
//                                  onConnect token check and a 500 ms connection_init timeout
//
// Everything listens on 127.0.0.1. DUMMY_TOKEN is a placeholder, not a secret.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const DUMMY_TOKEN = 'dummy-token-abc';
const [mode, portText] = process.argv.slice(2);
const port = Number(portText);

function hello(ws) {
  ws.send(JSON.stringify({ type: 'hello' }));
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
}

function wsServer() {
  const open = new WebSocketServer({ noServer: true });
  open.on('connection', hello);
  // verifyClient with a callback: refuse with a status, a message and headers of our choosing.
  const verified = new WebSocketServer({
    noServer: true,
    verifyClient: (info, cb) => {
      const auth = info.req.headers.authorization;
      if (auth === undefined) return cb(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
      if (auth !== `Bearer ${DUMMY_TOKEN}`) return cb(false, 403);
      return cb(true);
    },
  });
  verified.on('connection', hello);
  const late = new WebSocketServer({ noServer: true });
  late.on('connection', (ws) => ws.close(4003, 'forbidden'));

  const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname === '/ws') return open.handleUpgrade(req, socket, head, (ws) => open.emit('connection', ws, req));
    if (pathname === '/verify') return verified.handleUpgrade(req, socket, head, (ws) => verified.emit('connection', ws, req));
    if (pathname === '/late') return late.handleUpgrade(req, socket, head, (ws) => late.emit('connection', ws, req));
    if (pathname === '/manual') {
      // The refusal the ws README shows for authentication in 'upgrade': a bare status line.
      if (req.headers.authorization !== `Bearer ${DUMMY_TOKEN}`) {
        socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
        socket.destroy();
        return;
      }
      return open.handleUpgrade(req, socket, head, (ws) => open.emit('connection', ws, req));
    }
    // The README's multi-path example: an unknown path is dropped without an answer.
    socket.destroy();
  });
  server.listen(port, '127.0.0.1');
}

function wsPathServer() {
  const wss = new WebSocketServer({ port, host: '127.0.0.1', path: '/ws' });
  wss.on('connection', hello);
}

function graphqlServer() {
  const { useServer } = require('graphql-ws/use/ws');
  const { GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLInt } = require('graphql');
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: GraphQLInt,
          subscribe: async function* () {
            for (let i = 0; i < 3; i++) {
              yield { ticks: i };
              await new Promise((r) => setTimeout(r, 200));
            }
          },
        },
      },
    }),
  });
  const wss = new WebSocketServer({ port, host: '127.0.0.1', path: '/graphql' });
  useServer({
    schema,
    connectionInitWaitTimeout: 500,
    onConnect: (ctx) => (ctx.connectionParams || {}).token === DUMMY_TOKEN,
  }, wss);
}

({ ws: wsServer, 'ws-path': wsPathServer, graphql: graphqlServer })[mode]();
