import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitOutcomeUnknown, isTransientDbError } from './db-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isTransientDbError', () => {
  it('counts a terminated backend, a server restart and a full connection table as transient', () => {
    for (const code of ['57P01', '57P02', '57P03', '53300', '08006', '08003', '40001', '40P01']) {
      assert.equal(isTransientDbError(pgError(code)), true, code);
    }
  });

  it('counts network failures and node-postgres lost-connection messages as transient', () => {
    assert.equal(isTransientDbError(pgError('ECONNREFUSED')), true);
    assert.equal(isTransientDbError(pgError('ECONNRESET')), true);
    assert.equal(isTransientDbError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isTransientDbError(new Error('Client has encountered a connection error and is not queryable')), true);
    assert.equal(isTransientDbError(new Error('timeout exceeded when trying to connect')), true);
  });

  it('does not retry what would fail the same way again', () => {
    assert.equal(isTransientDbError(pgError('23505', 'duplicate key value violates unique constraint')), false);
    assert.equal(isTransientDbError(pgError('42601', 'syntax error')), false);
    assert.equal(isTransientDbError(pgError('080', 'not a SQLSTATE')), false);
    assert.equal(isTransientDbError(new Error('something else')), false);
    assert.equal(isTransientDbError('ECONNRESET'), false);
  });

  it('counts an unknown commit outcome as transient for the client, keeping its cause', () => {
    const lost = new CommitOutcomeUnknown(pgError('57P01', 'terminating connection due to administrator command'));
    assert.equal(isTransientDbError(lost), true);
    assert.match(lost.message, /outcome unknown: terminating connection/);
  });
});
