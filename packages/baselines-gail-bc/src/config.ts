import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonConfig, resolveConfigLayers, type ConfigLayer, type ConfigRules } from '@mgail/core-autodiff-graph';

/** The package's checked-in per-env config overrides: `configs/<algo>/<env-id>.json`. */
export function configDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'configs');
}

/** The checked-in per-env file `configs/<algo>/<env-id>.json` as a layer, when there is one. */
export function envConfigLayers(algo: string, envId: string | undefined): ConfigLayer[] {
  if (!envId) return [];
  const file = path.join(configDir(), algo, `${envId}.json`);
  return fs.existsSync(file) ? [{ source: file, values: readJsonConfig(file) }] : [];
}

/** What a caller layers over the per-env file: one object (named `source` in errors) or named layers in order. */
export type ConfigOverrides<T> = Partial<T> | readonly ConfigLayer[];

/** The layers as a list: an object becomes one layer named `source`. */
export function toLayers<T>(overrides: ConfigOverrides<T> | undefined, source: string): ConfigLayer[] {
  if (overrides === undefined) return [];
  return Array.isArray(overrides) ? [...overrides] : [{ source, values: overrides as Record<string, unknown> }];
}

/**
 * Defaults in code, then the checked-in per-env file, then the caller's layers (a config file,
 * then flags). Unknown fields, wrong types and values outside `rules` are errors that name the
 * field and the file or flag, so a typo never silently does nothing.
 */
export function resolveConfig<T extends object>(
  algo: string,
  defaults: T,
  envId: string | undefined,
  overrides: ConfigOverrides<T> = {},
  source = 'config',
  rules: ConfigRules<T> = {},
): T {
  const layers: ConfigLayer[] = [...envConfigLayers(algo, envId), ...toLayers(overrides, source)];
  return resolveConfigLayers(algo, defaults, layers, rules);
}
