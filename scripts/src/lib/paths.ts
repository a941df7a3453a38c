import path from 'node:path';

/** Where the tools keep things, all relative to the repository root so any working directory works. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Downloaded jars and local server data: safe to delete, rebuilt on demand. Git-ignored. */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
/** State of the running launcher (admin token, logs). Git-ignored. */
export const RUN_DIR = path.join(REPO_ROOT, '.run');
/** Logs kept from test runs, so a failed CI run can be inspected. Git-ignored. */
export const TEST_ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
