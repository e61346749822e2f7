import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Service {
  profiles?: string[];
  hostname?: string;
  environment?: Record<string, string>;
  command?: string[];
}

/** The cluster profile's pieces must name each other consistently; `docker-compose config` checks only the YAML. */
describe('docker-compose profile "cluster" and deploy/clickhouse-cluster agree', () => {
  const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }).services;
  const clusterXml = read('deploy/clickhouse-cluster/cluster.xml');
  const keeperXml = read('deploy/clickhouse-cluster/keeper.xml');
  const tags = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] as string);

  it('the single-node services are unchanged: no profile, so plain `docker-compose up` starts them as before', () => {
    for (const name of ['kafka', 'kafka-init', 'clickhouse', 'sentinela', 'grafana']) {
      assert.equal(services[name]?.profiles, undefined, name);
      assert.equal(services[name]?.environment?.['CLICKHOUSE_CLUSTER'], undefined, name);
    }
  });

  it('remote_servers lists 2 shards x 2 replicas, each a cluster-profile service whose macros name its place', () => {
    const remote = /<remote_servers[^>]*>\s*<(\w+)>([\s\S]*)<\/\1>\s*<\/remote_servers>/.exec(clusterXml);
    assert.ok(remote?.[1] && remote[2]);
    const shards = tags(remote[2], 'shard');
    assert.equal(shards.length, 2);
    const replicas = new Set<string>();
    shards.forEach((shard, i) => {
      assert.match(shard, /<internal_replication>true<\/internal_replication>/, 'Distributed writes one replica, replication does the rest');
      const hosts = tags(shard, 'host');
      assert.equal(hosts.length, 2);
      for (const host of hosts) {
        const service = services[host];
        assert.ok(service, `${host} is a service`);
        assert.deepEqual(service.profiles, ['cluster']);
        assert.equal(service.hostname, host);
        assert.equal(Number(service.environment?.['CLICKHOUSE_SHARD']), i + 1, `${host} is in shard ${i + 1}`);
        replicas.add(service.environment?.['CLICKHOUSE_REPLICA'] ?? '');
      }
    });
    assert.equal(replicas.size, 4, '{replica} is unique across the cluster (the unsharded tables replicate on every node)');
    for (const service of Object.values(services).filter((s) => s.environment?.['CLICKHOUSE_CLUSTER'])) {
      assert.equal(service.environment?.['CLICKHOUSE_CLUSTER'], remote[1], 'Sentinela names the cluster of remote_servers');
      assert.deepEqual(service.profiles, ['cluster']);
    }
  });

  it('the servers use the three Keeper nodes, whose raft ids match their services', () => {
    const zookeeper = tags(clusterXml, 'zookeeper')[0] ?? '';
    const keeperHosts = tags(zookeeper, 'host');
    assert.equal(keeperHosts.length, 3);
    for (const server of tags(keeperXml, 'server')) {
      const host = tags(server, 'hostname')[0] ?? '';
      assert.ok(keeperHosts.includes(host), host);
      assert.equal(services[host]?.environment?.['KEEPER_SERVER_ID'], tags(server, 'id')[0], `${host}: server_id`);
    }
  });

  it('one job migrates the cluster; the processors and API replicas never migrate on start', () => {
    const sentinela = Object.entries(services).filter(([, s]) => s.environment?.['CLICKHOUSE_CLUSTER']);
    assert.deepEqual(
      sentinela.map(([name, s]) => [name, s.command?.join(' ')]),
      [
        ['sentinela-migrate', 'migrate'],
        ['sentinela-processor', 'start --role processor'],
        ['sentinela-api', 'start --role api'],
      ],
    );
    for (const [name, s] of sentinela) assert.equal(s.environment?.['MIGRATE_ON_START'], 'false', name);
  });
});
