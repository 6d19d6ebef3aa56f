/**
 * The layering the code relies on, read from the import statements of src/ and bots/: the ledger
 * is the bottom (it imports neither flows nor channels nor queues nor anything above them), the
 * flow engine gets its flows passed in (it does not import bots/), and no module imports itself
 * through others.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

/** Source files (relative to the project) and the project files each imports, types included. */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'generated') walk(path);
      } else if (/\.tsx?$/.test(name)) files.push(path);
    }
  };
  walk(join(PROJECT_ROOT, 'src'));
  walk(join(PROJECT_ROOT, 'bots'));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
      const base = resolve(dirname(file), m[1] as string).replace(/\.jsx?$/, '');
      const target = ['.ts', '.tsx', '/index.ts'].map((ext) => base + ext).find((p) => known.has(p) || existsSync(p));
      if (target && known.has(target)) deps.push(relative(PROJECT_ROOT, target));
    }
    graph.set(relative(PROJECT_ROOT, file), deps);
  }
  return graph;
}

/** Groups of files that import each other in a circle (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const graph = importGraph();
const importsOf = (folder: string) =>
  [...graph].filter(([file]) => file.startsWith(folder)).flatMap(([file, deps]) => deps.map((d) => `${file} → ${d}`));

describe('module layering', () => {
  it('reads the imports it checks', () => {
    expect(graph.get('src/flows/runner.ts')).toContain('src/ledger/sessions.ts');
    expect(graph.get('src/ledger/sessions.ts')).toContain('src/ledger/json.ts');
  });

  it('the ledger imports neither flows, channels, queues, conversations, the server nor bots/', () => {
    const above = /^(src\/(flows|channels|queues|conversations|server|campaigns|outbound|console)\/|bots\/)/;
    expect(importsOf('src/ledger/').filter((e) => above.test(e.split(' → ')[1]!))).toEqual([]);
  });

  it('the flow engine gets its flows passed in: src/flows imports neither bots/ nor the layers above it', () => {
    const above = /^(bots\/|src\/(conversations|channels|queues|server|campaigns|outbound|console)\/)/;
    expect(importsOf('src/flows/').filter((e) => above.test(e.split(' → ')[1]!))).toEqual([]);
  });

  it('no import cycles (src/console, another team’s work in progress, aside)', () => {
    const outside = new Map([...graph].filter(([file]) => !file.startsWith('src/console/')));
    expect(cycles(outside)).toEqual([]);
  });
});

describe('the README’s folder map', () => {
  /** Entries of the map under "## Architecture": a path column and its description (continuation lines joined). */
  function mapEntries(): string[] {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Architecture'));
    const block = [...section.matchAll(/```\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .find((b) => b.includes('src/config.ts'));
    if (!block) throw new Error('no folder map under ## Architecture');
    const entries: string[] = [];
    for (const line of block.split('\n')) {
      if (/^\S/.test(line)) entries.push(line);
      else if (line.trim() && entries.length) entries[entries.length - 1] += ` ${line.trim()}`;
    }
    return entries;
  }

  it('shows every folder under src/ and every top-level folder of the project', () => {
    const entries = mapEntries();
    const missing: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(join(PROJECT_ROOT, dir))) {
        const path = `${dir}/${name}`;
        if (!statSync(join(PROJECT_ROOT, path)).isDirectory()) continue;
        // A folder is shown by its own entry, or by name in the entry of one of its parents.
        const ancestors = path
          .split('/')
          .slice(1, -1)
          .map((_, i, parts) => `src/${parts.slice(0, i + 1).join('/')}/`);
        const shown =
          entries.some((e) => e.includes(`${path}/`)) ||
          entries.some((e) => ancestors.some((a) => e.startsWith(a)) && new RegExp(`[\\s(]${name}/`).test(e));
        if (!shown) missing.push(`${path}/`);
        if (path !== 'src/generated') walk(path);
      }
    };
    walk('src');
    for (const name of readdirSync(PROJECT_ROOT)) {
      if (name.startsWith('.') || name === 'node_modules' || !statSync(join(PROJECT_ROOT, name)).isDirectory()) continue;
      if (!entries.some((e) => e.startsWith(`${name}/`))) missing.push(`${name}/`);
    }
    expect(missing).toEqual([]);
  });
});
