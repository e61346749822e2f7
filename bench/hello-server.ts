/** bench:api baseline: a fastify hello-world route answering a body of the block-check's size. Prints its port. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ action: 'allow', reasons: [], policy: 'normal' }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
