import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's checked-in per-env config overrides: `configs/<algo>/<env-id>.json`. */
export function configDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'configs');
}

/**
 * Defaults in code, then the checked-in per-env file, then the caller's overrides. Unknown
 * keys are errors that name the field and the file, so a typo never silently does nothing.
 */
export function resolveConfig<T extends object>(algo: string, defaults: T, envId: string | undefined, overrides: Partial<T> = {}, source = 'config'): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  const apply = (o: Record<string, unknown>, where: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (k.startsWith('$') || k === 'comment') continue;
      if (!(k in defaults)) throw new Error(`${where}: unknown ${algo} config field "${k}" (known: ${Object.keys(defaults).join(', ')})`);
      const d = (defaults as Record<string, unknown>)[k];
      if (v !== undefined && d !== undefined && typeof v !== typeof d && !(Array.isArray(d) && Array.isArray(v))) {
        throw new Error(`${where}: ${algo} config field "${k}" must be a ${Array.isArray(d) ? 'list' : typeof d}, got ${JSON.stringify(v)}`);
      }
      if (v !== undefined) out[k] = v;
    }
  };
  if (envId) {
    const file = path.join(configDir(), algo, `${envId}.json`);
    if (fs.existsSync(file)) apply(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  }
  apply(overrides as Record<string, unknown>, source);
  return out as T;
}
