import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClickHouseClient } from '../../../src/adapters/clickhouse/client.js';

/**
 * What goes on the wire to a ClickHouse server, recorded by a plain HTTP listener: no cluster runs here, and the
 * point is the request a cluster node would receive.
 */
describe('ClickHouse server client: inserts on a cluster wait for the shards', () => {
  const seen: URLSearchParams[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(new URL(req.url ?? '/', 'http://x').searchParams);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(''));
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const insertVia = async (cluster: string | undefined) => {
    const client = createClickHouseClient({ mode: 'server', url, user: 'default', password: undefined, cluster });
    seen.length = 0;
    await client.insert({ table: 'db.cdrs', values: [{ id: 'a' }], format: 'JSONEachRow' });
    await client.close();
    const params = seen.at(-1);
    assert.ok(params);
    assert.match(params.get('query') ?? '', /^INSERT INTO db\.cdrs/);
    return params;
  };

  it('sends insert_distributed_sync=1 with CLICKHOUSE_CLUSTER, so an acknowledged batch is stored on its shards', async () => {
    assert.equal((await insertVia('sentinela')).get('insert_distributed_sync'), '1');
  });

  it('sends no such setting to a single server, as before', async () => {
    assert.equal((await insertVia(undefined)).has('insert_distributed_sync'), false);
  });
});
