import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIBRARY_VERSION } from './index.js';

describe('LIBRARY_VERSION', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
    expect(LIBRARY_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
