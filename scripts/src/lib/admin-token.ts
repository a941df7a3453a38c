import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RUN_DIR } from './paths';

/** Where the launcher keeps the generated admin token, readable only by its owner. */
export const ADMIN_TOKEN_FILE = path.join(RUN_DIR, 'admin-token');

/** The services accept tokens of at least 16 characters. */
export const adminToken = z.string().trim().min(16, 'at least 16 characters');

function readTokenFile(): string | undefined {
  let content: string;
  try {
    content = fs.readFileSync(ADMIN_TOKEN_FILE, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = adminToken.safeParse(content);
  if (!parsed.success) throw new Error(`${ADMIN_TOKEN_FILE}: ${parsed.error.issues[0]?.message}; delete it to get a new one`);
  return parsed.data;
}

/** The token from the file, created with 32 random bytes (hex) on first use. */
export function ensureAdminTokenFile(): string {
  const existing = readTokenFile();
  if (existing) return existing;
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const token = crypto.randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(ADMIN_TOKEN_FILE, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another launcher created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return ensureAdminTokenFile();
    throw err;
  }
  return token;
}

/** For the CLI tools: ADMIN_TOKEN if set, else the launcher's token file. */
export function readAdminToken(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ADMIN_TOKEN !== undefined) {
    const parsed = adminToken.safeParse(env.ADMIN_TOKEN);
    if (!parsed.success) throw new Error(`ADMIN_TOKEN: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
  const token = readTokenFile();
  if (!token) throw new Error(`no admin token: set ADMIN_TOKEN or start the system with \`npm start\` (which creates ${ADMIN_TOKEN_FILE})`);
  return token;
}
