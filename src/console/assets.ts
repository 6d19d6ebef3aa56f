/**
 * The console's static files, read once at start and served by this process (the service runs
 * offline: no CDN). Each URL carries a hash of the file's content, so browsers keep them for a
 * year and a new version is a new URL: a repeat visit downloads only the page's HTML.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { projectPath } from '../paths.js';

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const require = createRequire(import.meta.url);

const FILES: Record<string, { path: string; type: string }> = {
  'console.css': { path: projectPath('src/console/assets/console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { path: projectPath('src/console/assets/console.js'), type: 'text/javascript; charset=utf-8' },
  // htmx 2, pinned in package.json, served from the package itself.
  'htmx.min.js': { path: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
};

let loaded: Map<string, Asset> | undefined;

function assets(): Map<string, Asset> {
  if (!loaded) {
    loaded = new Map();
    for (const [name, f] of Object.entries(FILES)) {
      const body = readFileSync(f.path);
      loaded.set(name, { body, type: f.type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) });
    }
  }
  return loaded;
}

export function assetUrl(name: string): string {
  const a = assets().get(name);
  if (!a) throw new Error(`no console asset ${name}`);
  return `/console/assets/${a.hash}/${name}`;
}

export function findAsset(name: string): Asset | undefined {
  return assets().get(name);
}
