import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `assets/` folder. Resolved from this module's URL so it works from `dist/`
 * (published) and from `src/` (tests) alike: both sit one level below the package root.
 */
export const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));

/**
 * Gymnasium's rule for `xml_file` (mujoco_env.py): a path starting with "." or "/" is used as
 * given (relative to the working directory), anything else names a file in the bundled assets.
 */
export function resolveXmlFile(xmlFile: string): string {
  if (xmlFile.startsWith('.') || path.isAbsolute(xmlFile)) return path.resolve(xmlFile);
  return path.join(ASSETS_DIR, xmlFile);
}

/** Reads an XML model file, with an error that says which option pointed where. */
export function readXmlFile(envId: string, xmlFile: string): { file: string; xml: string } {
  const file = resolveXmlFile(xmlFile);
  let xml: string;
  try {
    xml = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    throw new Error(
      `${envId}: cannot read xmlFile ${JSON.stringify(xmlFile)} (${file}${code ? `: ${code}` : ''}); ` +
        `pass a path starting with "." or "/", or the name of a bundled model (${bundledModels().join(', ')})`,
      { cause: e },
    );
  }
  return { file, xml };
}

function bundledModels(): string[] {
  try {
    return fs.readdirSync(ASSETS_DIR).filter((f) => f.endsWith('.xml')).sort();
  } catch {
    return [];
  }
}
