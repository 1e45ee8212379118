import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeFsError, type ConfigLayer } from '@mgail/core-autodiff-graph';
import { UserError } from './errors.js';

const FORMATS = ['.yaml', '.yml', '.json'];

/**
 * Reads `--config FILE` (YAML or JSON by extension) into an object of config fields. Every
 * failure is one line naming the file: missing, unknown extension, a syntax error (with its
 * line), or a document that is not a mapping of fields.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  const ext = path.extname(file).toLowerCase();
  if (!FORMATS.includes(ext)) throw new UserError(`--config ${file}: unknown config format "${ext || '(none)'}"`, `use a ${FORMATS.join(', ')} file`);
  if (!fs.existsSync(file)) throw new UserError(`--config ${file}: file not found`, `resolved to ${path.resolve(file)}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`--config ${describeFsError(e, file, 'read')}`);
  }
  let v: unknown;
  try {
    v = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // yaml's messages run over several lines with a code excerpt; the first names the line and column
    throw new UserError(`--config ${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`--config ${file}: must hold a mapping of config fields (name: value), got ${Array.isArray(v) ? 'a list' : JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** The layers a CLI run puts over the defaults and the per-env file: the config file, then flags. */
export function cliConfigLayers(file: string | undefined, flags: Record<string, unknown> = {}): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  if (file) layers.push({ source: file, values: readConfigFile(file) });
  for (const [flag, values] of Object.entries(flags)) {
    if (values && typeof values === 'object' && Object.values(values).some((x) => x !== undefined)) layers.push({ source: flag, values: values as Record<string, unknown> });
  }
  return layers;
}
