// A real graphql-ws server (the reference implementation of graphql-transport-ws) for the wsdiff tests.
// Its onConnect accepts a connection_init only when payload.token is GRAPHQL_TOKEN; otherwise graphql-ws
// closes 4403 Forbidden. Listens on 127.0.0.1:$PORT at /graphql. Started by tests/test_messages_live.py.
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema } from 'graphql';

const port = Number(process.env.PORT);
const token = process.env.GRAPHQL_TOKEN;
const schema = buildSchema('type Query { hello: String }');
const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/graphql' });
useServer(
  {
    schema,
    roots: { query: { hello: () => 'world' } },
    onConnect: (ctx) => typeof token === 'string' && ctx.connectionParams?.token === token,
  },
  wss,
);
const stop = () => wss.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// However the test ends, this server does not outlive it by much.
setTimeout(() => process.exit(0), 300_000).unref();
