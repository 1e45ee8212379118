// The READMEs' shell blocks, as a reader pastes them: read by the README test (which runs the
// quick commands) and by scripts/readme-verbatim.mjs (which runs every command on a fresh clone).
import fs from 'node:fs';
import path from 'node:path';

/** Every README a reader is sent to, relative to the repository root: the root's, each package's and app's, and the examples'. */
export function readmeFiles(root: string): string[] {
  return [
    'README.md', 'CONTRIBUTING.md', 'experts/README.md',
    ...['packages', 'apps', 'examples'].flatMap((d) =>
      fs.readdirSync(path.join(root, d)).sort().map((p) => `${d}/${p}/README.md`).filter((f) => fs.existsSync(path.join(root, f)))),
  ];
}

/** One ```bash / ```sh block: its file, the line its fence opens on, its commands. */
export interface Block {
  file: string;
  line: number;
  /** Commands, backslash continuations joined, trailing comments and blank lines dropped. */
  lines: string[];
  /** The same lines with their `# comments` kept (what a reader sees). */
  raw: string[];
}

/** The ```bash / ```sh blocks of a markdown file. */
export function shellBlocks(file: string, text: string): Block[] {
  const out: Block[] = [];
  const re = /^```(bash|sh)\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const joined = m[2].replace(/\\\n\s*/g, ' ').split('\n').filter((l) => stripComment(l).trim() !== '');
    out.push({ file, line: text.slice(0, m.index).split('\n').length, lines: joined.map((l) => stripComment(l).trim()), raw: joined.map((l) => l.trim()) });
  }
  return out;
}

/** Every shell block of every README under `root`. */
export function readmeBlocks(root: string): Block[] {
  return readmeFiles(root).flatMap((f) => shellBlocks(f, fs.readFileSync(path.join(root, f), 'utf8')));
}

/** Drops a trailing `# comment` (a `#` after whitespace, outside quotes). */
export function stripComment(l: string): string {
  let q: string | null = null;
  for (let i = 0; i < l.length; i++) {
    const ch = l[i];
    if (q) { if (ch === q) q = null; continue; }
    if (ch === '"' || ch === "'") q = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(l[i - 1]))) return l.slice(0, i);
  }
  return l;
}

/** What a shell block may not hold: text a reader has to replace before it runs (null: none). */
export function notVerbatim(l: string): string | null {
  if (/<[A-Za-z][\w-]*>/.test(l)) return 'a <placeholder>';
  if (/\[--?[a-z]/.test(l)) return 'an optional [--flag] (a synopsis: put it in a ```text block)';
  if (/\.\.\.(\s|$)/.test(l)) return 'an ellipsis';
  return null;
}

/** A block with a loop runs as a whole or not at all: its lines alone mean nothing. */
export const hasControlFlow = (b: Block): boolean => b.lines.some((l) => /^(for|while|if) /.test(l));
