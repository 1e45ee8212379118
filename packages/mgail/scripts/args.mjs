// Command-line reading shared by the scripts: `--name value` options and repeated `--set key=value`
// config overrides (values parsed as JSON).
import path from 'node:path';

// A script stopped by bad input (a policy that is not there, a run that has not finished) says so
// in one line, not a stack trace, as the mgail CLI does; --verbose adds the stack, as there.
process.on('uncaughtException', (e) => {
  console.error(`${path.basename(process.argv[1] ?? 'script')}: error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  if (process.argv.includes('--verbose') && e instanceof Error && e.stack) console.error(e.stack);
  process.exit(1);
});
export function parseArgs(args) {
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const sets = {};
  args.forEach((a, i) => {
    if (a !== '--set') return;
    const [k, ...rest] = args[i + 1].split('=');
    sets[k] = JSON.parse(rest.join('='));
  });
  return { opt, sets };
}
