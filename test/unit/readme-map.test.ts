// The README's "Where things live" map stays true to the code: it names the folder of every `ferry` command,
// every built-in connector and every REST route group, and every path it names exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinPlugins } from '../../src/app/plugins.js';

const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf('## Where things live');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Feature') && !l.startsWith('|---'))
  .map((l) => { const cells = l.split(' | '); return { feature: cells[0]!.slice(2), where: cells.slice(1).join(' | ').replace(/ \|$/, '') }; });

/** The row whose feature column matches, failing with the list of features when there is none. */
function rowFor(what: string, matches: (feature: string) => boolean): { feature: string; where: string } {
  const row = rows.find((r) => matches(r.feature));
  assert.ok(row, `README "Where things live" has no row for ${what}; rows: ${rows.map((r) => r.feature).join(' / ')}`);
  return row;
}

test('the map exists and every path it names exists', () => {
  assert.ok(start >= 0 && rows.length > 20, 'README has a "Where things live" table');
  for (const r of rows) {
    for (const m of r.where.matchAll(/`((?:src|bench|scenarios|config|deploy|test)\/[^`\s]*)`/g)) assert.ok(existsSync(m[1]!), `${r.feature}: ${m[1]} does not exist`);
  }
});

test('every ferry command has a row naming where it lives', () => {
  const ferry = readFileSync('src/cli/ferry.ts', 'utf8');
  const commands = [...ferry.matchAll(/^ {2}(\w+): \{ summary:/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 10, `found the commands in src/cli/ferry.ts: ${commands.join(', ')}`);
  for (const c of commands) {
    const row = rowFor(`ferry ${c}`, (f) => new RegExp(`\`ferry ${c}\\b|\`${c}\`|\`${c} `).test(f));
    assert.match(row.where, /`src\//, `the row of ferry ${c} names a folder or file under src/`);
  }
});

test('every built-in connector has a row naming its folder', () => {
  for (const d of builtinPlugins().list(['source', 'sink'])) {
    const short = d.className.slice(d.className.lastIndexOf('.') + 1).replace(/Connector$/, '');
    const row = rowFor(short, (f) => f.includes(short));
    assert.match(row.where, /`src\/connectors\/\w+\/`/, `${short}'s row names its folder under src/connectors/`);
  }
  for (const dir of readdirSync('src/connectors', { withFileTypes: true }).filter((e) => e.isDirectory())) {
    assert.ok(rows.some((r) => r.where.includes(`src/connectors/${dir.name}/`)), `src/connectors/${dir.name}/ is in the map`);
  }
});

test('every REST route group has a row naming its file', () => {
  for (const f of readdirSync('src/connect/rest/routes').filter((n) => n.endsWith('.ts'))) {
    assert.ok(rows.some((r) => r.feature.startsWith('REST') && r.where.includes(`src/connect/rest/routes/${f}`)), `the REST routes in src/connect/rest/routes/${f} have a row`);
  }
});
