/**
 * bench:api baseline: a fastify hello-world route answering a body of the block-check's size, at `/hello` and at
 * the block-check's path (so the load generator can send both servers the very same requests). Prints its port.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const hello = async () => ({ action: 'allow', reasons: [], policy: 'normal' });
app.get('/hello', hello);
app.get('/v1/block-check', hello);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
