import { SentinelaError } from '../../errors.js';
import { ident } from './client.js';
import { splitStatements } from './sql-statements.js';
import { isSharded, LOCAL_SUFFIX, onCluster, SHARDED_REPLICA_PATH, SHARDED_TABLES, UNSHARDED_REPLICA_PATH, type Topology } from './topology.js';

/**
 * The statements one migration file runs. On a single node they are exactly what they always were: the file with
 * `{{db}}` replaced, split into statements. On a cluster each statement is rewritten (README "Scale-out on a
 * ClickHouse cluster"): DDL gets ON CLUSTER, *MergeTree engines become Replicated*MergeTree, a sharded table becomes
 * `<name>_local` plus a Distributed table under its own name, and an ALTER of a sharded table's columns changes both.
 * A statement the rewrite does not understand stops the migration rather than running unchanged on one node.
 */
export function migrationStatements(sql: string, database: string, topology: Topology, file = 'migration'): string[] {
  const db = ident(database);
  if (topology.kind === 'single') return splitStatements(sql.replaceAll('{{db}}', db));
  const cluster = { name: topology.cluster, database, on: onCluster(topology) };
  return splitStatements(sql)
    .flatMap((statement) => clusterStatements(statement, cluster, file))
    .map((statement) => statement.replaceAll('{{db}}', db));
}

interface Cluster {
  readonly name: string;
  readonly database: string;
  /** ` ON CLUSTER \`name\`` */
  readonly on: string;
}

const CREATE_TABLE = /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\{\{db\}\}\.(\w+)/i;
const CREATE_VIEW = /^CREATE\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\{\{db\}\}\.(\w+)/i;
const CREATE_MATERIALIZED_VIEW = /^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\{\{db\}\}\.\w+(?=\s+TO\s)/i;
/** A table a materialized view reads or writes: `{{db}}.name`. */
const TABLE_REFERENCE = /\{\{db\}\}\.(\w+)\b/g;
const ALTER_TABLE = /^ALTER\s+TABLE\s+\{\{db\}\}\.(\w+)/i;
const INSERT = /^INSERT\s+INTO\s+\{\{db\}\}\.\w+/i;
/** ALTER actions that change a table's columns: a Distributed table must follow them; anything else is storage. */
const COLUMN_ACTION = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;

function clusterStatements(statement: string, cluster: Cluster, file: string): string[] {
  let match = CREATE_TABLE.exec(statement);
  if (match?.[1]) return createTable(statement, match[0].length, match[1], cluster, file);
  match = CREATE_MATERIALIZED_VIEW.exec(statement);
  if (match) return [materializedView(statement, match[0].length, cluster)];
  match = CREATE_VIEW.exec(statement);
  if (match?.[1]) return [`${statement.slice(0, match[0].length)}${cluster.on}${statement.slice(match[0].length)}`];
  match = ALTER_TABLE.exec(statement);
  if (match?.[1]) return alterTable(statement, match[0].length, match[1], cluster, file);
  // rows written through the Distributed (or replicated) table reach the right shard like any of Sentinela's inserts
  if (INSERT.test(statement)) return [statement];
  throw unsupported(
    file,
    statement,
    'only CREATE TABLE, CREATE VIEW, CREATE MATERIALIZED VIEW ... TO, ALTER TABLE and INSERT INTO {{db}}.<table> are rewritten for a cluster',
  );
}

/**
 * A materialized view fires on the node an insert lands on, so on a cluster it must watch the table that holds the
 * rows (`<name>_local` of a sharded table: the Distributed table forwards the insert there) and write the local
 * table of its rollup, replicated like any other: each shard counts its own rows, reads sum over the shards.
 */
function materializedView(statement: string, nameEnd: number, cluster: Cluster): string {
  const rest = statement.slice(nameEnd).replace(TABLE_REFERENCE, (ref, table: string) => (isSharded(table) ? `{{db}}.${table}${LOCAL_SUFFIX}` : ref));
  return `${statement.slice(0, nameEnd)}${cluster.on}${rest}`;
}

function createTable(statement: string, nameEnd: number, table: string, cluster: Cluster, file: string): string[] {
  const open = statement.indexOf('(', nameEnd);
  if (open < 0 || statement.slice(nameEnd, open).trim() !== '') {
    throw unsupported(file, statement, 'a cluster table needs its column list (CREATE TABLE ... AS is not rewritten)');
  }
  const close = matchingParen(statement, open, file);
  const tail = statement.slice(close + 1);
  const engine = /\bENGINE\s*=\s*(\w+)/i.exec(tail);
  const family = engine?.[1];
  if (!engine || !family?.endsWith('MergeTree') || family.startsWith('Replicated')) {
    throw unsupported(file, statement, `engine ${family ?? '(none)'}: only non-replicated *MergeTree engines are rewritten for a cluster`);
  }
  let engineEnd = engine.index + engine[0].length;
  let args = '';
  const argsOpen = /^\s*\(/.exec(tail.slice(engineEnd));
  if (argsOpen) {
    const argsEnd = matchingParen(tail, engineEnd + argsOpen[0].length - 1, file);
    args = tail.slice(engineEnd + argsOpen[0].length, argsEnd).trim();
    engineEnd = argsEnd + 1;
  }
  const sharded = isSharded(table);
  const local = sharded ? `${table}${LOCAL_SUFFIX}` : table;
  const path = sharded ? SHARDED_REPLICA_PATH : UNSHARDED_REPLICA_PATH;
  const replicated = `ENGINE = Replicated${family}('${path}', '{replica}'${args ? `, ${args}` : ''})`;
  const rest = tail.slice(engineEnd).replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
  const head = statement.slice(0, nameEnd - table.length);
  const columns = statement.slice(nameEnd, close + 1);
  const storage = `${head}${local}${cluster.on}${columns}${tail.slice(0, engine.index)}${replicated}${rest}`;
  if (!sharded) return [storage];
  const distributed =
    `CREATE TABLE IF NOT EXISTS {{db}}.${table}${cluster.on} AS {{db}}.${local}\n` +
    `ENGINE = Distributed(${literal(cluster.name)}, ${literal(cluster.database)}, ${literal(local)}, ${SHARDED_TABLES[table]})`;
  return [storage, distributed];
}

function alterTable(statement: string, nameEnd: number, table: string, cluster: Cluster, file: string): string[] {
  const actions = statement.slice(nameEnd);
  if (!isSharded(table)) return [`${statement.slice(0, nameEnd)}${cluster.on}${actions}`];
  const head = statement.slice(0, nameEnd - table.length);
  const local = `${head}${table}${LOCAL_SUFFIX}${cluster.on}${actions}`;
  const columnActions = splitTopLevel(actions.trim(), file).map((action) => COLUMN_ACTION.test(action));
  if (columnActions.every(Boolean)) return [local, `${head}${table}${cluster.on}${actions}`];
  if (!columnActions.some(Boolean)) return [local];
  throw unsupported(file, statement, 'an ALTER of a sharded table mixes column changes with other actions: split it in two statements');
}

/** Index of the `)` closing the `(` at `open`, skipping quoted strings and identifiers. */
function matchingParen(text: string, open: number, file: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === '`') i = closingQuote(text, i, file);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  throw unsupported(file, text, 'unbalanced parentheses');
}

function closingQuote(text: string, start: number, file: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[start]) return i;
  }
  throw unsupported(file, text, 'unterminated quote');
}

/** Splits on commas outside parentheses and quotes (the actions of one ALTER). */
function splitTopLevel(text: string, file: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === '`') i = closingQuote(text, i, file);
    else if (ch === '(') i = matchingParen(text, i, file);
    else if (ch === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** A string literal of a name that config validation restricted to [A-Za-z0-9_]. */
function literal(name: string): string {
  return `'${ident(name).slice(1, -1)}'`;
}

function unsupported(file: string, statement: string, why: string): SentinelaError {
  const shown = statement.replace(/\s+/g, ' ').slice(0, 80);
  return new SentinelaError('MIGRATION_FILE_INVALID', `${file}: cannot run on a cluster: ${why} (statement: ${shown})`, { path: file });
}
