import { ident } from './client.js';

/**
 * Where Sentinela's tables live: one ClickHouse node (chDB or a server: today's schema, unchanged), or a cluster
 * named in the servers' remote_servers (CLICKHOUSE_CLUSTER), where the migrations become ON CLUSTER DDL
 * (README "Scale-out on a ClickHouse cluster").
 */
export type Topology = { readonly kind: 'single' } | { readonly kind: 'cluster'; readonly cluster: string };

export const SINGLE_NODE: Topology = Object.freeze({ kind: 'single' });

export function topologyOf(target: { readonly cluster?: string | undefined }): Topology {
  return target.cluster === undefined ? SINGLE_NODE : Object.freeze({ kind: 'cluster', cluster: target.cluster });
}

/**
 * The tables spread over the shards, each with its sharding key. Sentinela reads and writes them through a
 * Distributed table that keeps the original name; the data lives in `<name>_local` on every node. A sharding key
 * reads only columns of the table's ORDER BY, so the rows that collapse under FINAL (equal sorting keys) are always
 * on the same shard: FINAL on the Distributed table, applied per shard, is FINAL on the whole table.
 * Every other table (users, api_keys, audit_log, schema_migrations, usage_profiles, ...) is replicated on every
 * node, unsharded: small, read whole, or changed by mutations that a Distributed table cannot run.
 */
export const SHARDED_TABLES: Readonly<Record<string, string>> = Object.freeze({
  cdrs: 'cityHash64(tenant)',
  alerts: 'cityHash64(tenant)',
  blocks: 'cityHash64(tenant)',
  signalling_events: 'cityHash64(tenant)',
  // no tenant column: the hash of its whole sorting key, so a re-delivered reject meets its first copy
  rejected_cdrs: 'cityHash64(source_kind, source_name, source_partition, source_offset, cityHash64(payload))',
  // rollups (migrations/010_rollups.sql): a view on a shard's local table fills that shard's local rollup; reads
  // sum over the shards, so a rollup row need not meet its twins (only the backfill inserts through the key)
  traffic_minute: 'cityHash64(tenant)',
  traffic_hour: 'cityHash64(tenant)',
  alert_stats_minute: 'cityHash64(tenant)',
  alert_stats_hour: 'cityHash64(tenant)',
  rejected_minute: 'cityHash64(source_kind, error_code)',
  rejected_hour: 'cityHash64(source_kind, error_code)',
  decisions_minute: 'cityHash64(tenant)',
  decisions_hour: 'cityHash64(tenant)',
});

export const LOCAL_SUFFIX = '_local';

/** ZooKeeper/Keeper path of a sharded table's replicas: one replica set per shard. */
export const SHARDED_REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
/** Path of an unsharded table: every node of the cluster is a replica of the same data ({replica} is unique per node). */
export const UNSHARDED_REPLICA_PATH = '/clickhouse/tables/all/{database}/{table}';

export function isSharded(table: string): boolean {
  return Object.hasOwn(SHARDED_TABLES, table);
}

/** The table that holds the rows on each node: `<name>_local` for sharded tables, the table itself otherwise. */
export function storageTable(table: string, topology: Topology): string {
  return topology.kind === 'cluster' && isSharded(table) ? `${table}${LOCAL_SUFFIX}` : table;
}

/** ` ON CLUSTER \`name\`` in cluster mode, nothing on a single node (so single-node statements stay as they were). */
export function onCluster(topology: Topology): string {
  return topology.kind === 'cluster' ? ` ON CLUSTER ${ident(topology.cluster)}` : '';
}
