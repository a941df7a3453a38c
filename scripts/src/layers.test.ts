import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './lib/paths';

/**
 * scripts/src is layered, and imports only run down: lib/ (what every tool shares) knows no
 * tool; load/ (the load generator) builds on lib/ only; the tools built on those (cli/, bench/,
 * experiment/, kafka/fetch) do not import each other; the launcher, the test harness and the
 * repository-wide tests sit on top. A tool that needs another tool's code means that code
 * belongs in lib/.
 */

const LAYER_OF_FOLDER: Record<string, number> = { lib: 0, load: 1, checker: 1.5, scenarios: 1.7, cli: 2, bench: 2, experiment: 2, demo: 2, kafka: 2, launcher: 3, 'system-tests': 3, '.': 3 };

/** "lib", "cli"...: the first folder under src, or "." for files directly in it. */
function topFolder(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

/** Every relative import that runs sideways or up, as "from -> to"; `files` maps a path under src to its text. */
export function layerViolations(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const from = topFolder(file);
    const fromLayer = LAYER_OF_FOLDER[from];
    if (fromLayer === undefined) {
      found.push(`${file}: folder ${from} has no layer`);
      continue;
    }
    for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']*)'/gm)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec!));
      const to = topFolder(files[`${target}.ts`] !== undefined ? `${target}.ts` : `${target}/index.ts`);
      if (to === from) continue;
      if ((LAYER_OF_FOLDER[to] ?? Infinity) >= fromLayer) found.push(`${file} -> ${spec}`);
    }
  }
  return found;
}

function sources(dir: string, under = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, sources(dir, rel));
    else if (entry.name.endsWith('.ts')) out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  return out;
}

describe('layers of scripts/src', () => {
  test('the rule catches a library importing a tool, tools importing each other, and an unknown folder', () => {
    assert.deepEqual(
      layerViolations({
        'lib/a.ts': "import { x } from '../cli/args';\nimport { y } from './b';",
        'bench/b.ts': "import { x } from '../cli/args';\nimport { runLoad } from '../load';\nimport { z } from '../lib/c';",
        'launcher/main.ts': "import { s } from '../lib/system';",
        'tools/x.ts': '',
      }),
      ['lib/a.ts -> ../cli/args', 'bench/b.ts -> ../cli/args', 'tools/x.ts: folder tools has no layer'],
    );
  });

  test('every import of scripts/src runs down', () => {
    assert.deepEqual(layerViolations(sources(path.join(REPO_ROOT, 'scripts', 'src'))), []);
  });
});
