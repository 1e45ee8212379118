import fs from 'node:fs';

/**
 * Written into checkpoints and demonstration metadata: this package's own version, read from its
 * package.json (one level above both src/ and dist/), so `pnpm version-packages` keeps it right.
 */
export const LIBRARY_VERSION: string = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
