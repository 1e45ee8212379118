// Command-line reading shared by the scripts: `--name value` options and repeated `--set key=value`
// config overrides (values parsed as JSON).
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
