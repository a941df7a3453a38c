import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf } from './postgres-restart';

const LISTED = `15  main      5432 online postgres /var/lib/postgresql/15/main      /var/log/postgresql/postgresql-15-main.log
15  checker   5445 online postgres /var/lib/postgresql/15/checker   /var/log/postgresql/postgresql-15-checker.log
`;

test('the cluster to restart is the one whose data directory the server reports', () => {
  assert.deepEqual(clusterOf(LISTED, '/var/lib/postgresql/15/checker'), { version: '15', name: 'checker' });
  assert.deepEqual(clusterOf(LISTED, '/var/lib/postgresql/15/main'), { version: '15', name: 'main' });
  assert.equal(clusterOf(LISTED, '/tmp/embedded-pg'), undefined);
});
