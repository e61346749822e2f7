import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitStatements } from '../../../src/adapters/clickhouse/sql-statements.js';

describe('splitStatements (migration files → one statement per request)', () => {
  it('splits on semicolons outside strings, identifiers and comments', () => {
    const sql = [
      '-- a comment; not a split',
      "CREATE TABLE t (a String COMMENT 'x; y', `b;c` UInt8);",
      '/* block; comment */ SELECT "q;q";',
      "SELECT 'it''s; fine', 'back\\'slash;'",
    ].join('\n');
    assert.deepEqual(splitStatements(sql), ["CREATE TABLE t (a String COMMENT 'x; y', `b;c` UInt8)", 'SELECT "q;q"', "SELECT 'it''s; fine', 'back\\'slash;'"]);
  });

  it('drops empty statements', () => {
    assert.deepEqual(splitStatements(';;\n  ;-- only a comment\n'), []);
  });
});
