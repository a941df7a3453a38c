import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPool } from '@ftlab/shared';

/**
 * A restart of the PostgreSQL server itself (seed 004's database outage, short form): every
 * connection of every service drops at once and new ones are refused until the server is back.
 * Done with the server's own tool (pg_ctlcluster, Debian's wrapper of pg_ctl, run as root), on
 * the cluster whose data directory the database URL leads to; an embedded server or a remote one
 * cannot be restarted from here, and the error says so.
 */

export interface ClusterRef {
  version: string;
  name: string;
}

/** The cluster of `pg_lsclusters --no-header` output whose data directory is `dataDirectory`. */
export function clusterOf(lsclusters: string, dataDirectory: string): ClusterRef | undefined {
  for (const line of lsclusters.split('\n')) {
    const [version, name, , , , dir] = line.trim().split(/\s+/);
    if (version && name && dir === dataDirectory) return { version, name };
  }
  return undefined;
}

export async function restartPostgres(databaseUrl: string): Promise<ClusterRef> {
  const pool = createPool(databaseUrl, 1);
  let dataDirectory: string;
  try {
    dataDirectory = (await pool.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  } finally {
    await pool.end();
  }
  const run = promisify(execFile);
  const listed = await run('pg_lsclusters', ['--no-header']).catch(() => undefined);
  const cluster = listed && clusterOf(listed.stdout, dataDirectory);
  if (!cluster) throw new Error(`the server at ${new URL(databaseUrl).host} (data in ${dataDirectory}) is not a pg_ctlcluster cluster of this machine: it cannot be restarted from here`);
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart', '-m', 'fast']);
  return cluster;
}
