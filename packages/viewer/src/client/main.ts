import { getJson, type EpisodeData, type Renderer, type ReplayInfo } from './api.js';
import { CanvasRenderer } from './classic.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page exposes for scripts and tests: the frame shown and how many frames were drawn. */
interface ViewerState {
  ready: boolean;
  episode: number;
  frame: number;
  frames: number;
  drawn: number;
  playing: boolean;
  error?: string;
}
const state: ViewerState = { ready: false, episode: 0, frame: 0, frames: 0, drawn: 0, playing: false };
(window as unknown as { mgailViewer: ViewerState }).mgailViewer = state;

let info: ReplayInfo;
let renderer: Renderer;
let ep: EpisodeData | null = null;
/** return up to each frame: cumulative[f] = r_0 + ... + r_{f-1} */
let cumulative: number[] = [];
let speed = 1;
let lastTick = 0;
let carry = 0;

async function main(): Promise<void> {
  info = await getJson<ReplayInfo>('/api/replay');
  document.title = `${info.envId} · mgail view`;
  $('title').textContent = info.envId;
  $('source').textContent = `${info.origin === 'demos' ? 'demos' : 'rolled out from'} ${info.source}`;
  const select = $<HTMLSelectElement>('episode');
  for (const e of info.episodes) {
    const o = document.createElement('option');
    o.value = String(e.index);
    o.textContent = `${e.index}: ${e.length} steps, return ${fmt(e.return)}${e.terminated ? ', terminated' : e.truncated ? ', truncated' : ''}`;
    select.appendChild(o);
  }
  select.addEventListener('change', () => void openEpisode(Number(select.value)));

  setStatus(info.kind === 'mujoco' ? 'loading MuJoCo (WebAssembly)…' : 'loading…');
  if (info.kind === 'mujoco') {
    // only MuJoCo pages pay for three.js and the 11 MB WASM module
    const { MujocoRenderer } = await import('./mujoco.js');
    const xml = await (await fetch('/api/model.xml')).text();
    renderer = await MujocoRenderer.create(xml, info.envId);
  } else {
    renderer = new CanvasRenderer(info.envId);
  }
  $('stage').appendChild(renderer.element);
  renderer.element.addEventListener('redraw', () => show(state.frame));
  const fit = () => {
    const stage = $('stage');
    renderer.resize(stage.clientWidth, stage.clientHeight);
    if (ep) show(state.frame);
  };
  new ResizeObserver(fit).observe($('stage'));
  fit();

  const scrub = $<HTMLInputElement>('scrub');
  scrub.addEventListener('input', () => {
    pause();
    show(Number(scrub.value));
  });
  $('play').addEventListener('click', () => (state.playing ? pause() : play()));
  $('prev').addEventListener('click', () => {
    pause();
    show(state.frame - 1);
  });
  $('next').addEventListener('click', () => {
    pause();
    show(state.frame + 1);
  });
  $<HTMLSelectElement>('speed').addEventListener('change', (e) => (speed = Number((e.target as HTMLSelectElement).value)));
  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLInputElement) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (state.playing) pause();
      else play();
    } else if (e.key === 'ArrowRight') show(state.frame + 1);
    else if (e.key === 'ArrowLeft') show(state.frame - 1);
  });

  select.value = String(info.initialEpisode);
  await openEpisode(info.initialEpisode);
  state.ready = true;
  document.body.dataset.ready = '1';
}

async function openEpisode(k: number): Promise<void> {
  pause();
  setStatus(info.kind === 'mujoco' ? `re-simulating episode ${k} for its reward terms…` : `loading episode ${k}…`);
  ep = await getJson<EpisodeData>(`/api/episode/${k}`);
  renderer.setEpisode(ep);
  state.episode = k;
  state.frames = ep.length + 1;
  cumulative = [0];
  for (const r of ep.rewards) cumulative.push(cumulative[cumulative.length - 1] + r);
  const scrub = $<HTMLInputElement>('scrub');
  scrub.max = String(ep.length);
  $('steps').textContent = String(ep.length);
  buildTerms();
  drawChart();
  setStatus('');
  show(0);
}

/** Shows frame f: the state after f steps, the reward of step f (the one that led here). */
function show(f: number): void {
  if (!ep) return;
  f = Math.max(0, Math.min(ep.length, Math.round(f)));
  state.frame = f;
  renderer.draw(f);
  state.drawn++;
  $<HTMLInputElement>('scrub').value = String(f);
  $('step').textContent = String(f);
  $('reward').textContent = f > 0 ? fmt(ep.rewards[f - 1]) : '–';
  $('return').textContent = fmt(cumulative[f]);
  const ended = f === ep.length ? (ep.terminated ? 'terminated' : ep.truncated ? 'truncated (time limit)' : 'end of recording') : '';
  $('ended').textContent = ended;
  for (const row of document.querySelectorAll<HTMLTableRowElement>('#terms tr[data-key]')) {
    const series = ep.terms?.[row.dataset.key!] ?? ep.info?.[row.dataset.key!];
    row.cells[1].textContent = f > 0 && series ? fmt(series[f - 1]) : '–';
  }
  drawCursor(f);
}

function buildTerms(): void {
  const table = $<HTMLTableElement>('terms');
  table.replaceChildren();
  const add = (key: string, series: number[] | undefined, cls: 'term' | 'info') => {
    const tr = table.insertRow();
    tr.dataset.key = key;
    tr.className = cls;
    tr.insertCell().textContent = key;
    tr.insertCell().textContent = '–';
    // a reward term sums to its share of the return; positions and velocities do not add up
    tr.insertCell().textContent = series && cls === 'term' ? fmt(series.reduce((a, b) => a + b, 0)) : '';
  };
  table.hidden = !ep?.terms;
  if (!ep?.terms) {
    $('resim').textContent = '';
    return;
  }
  const head = table.createTHead().insertRow();
  for (const h of ['', 'this step', 'episode']) head.appendChild(document.createElement('th')).textContent = h;
  for (const [k, v] of Object.entries(ep?.terms ?? {})) add(k, v, 'term');
  for (const [k, v] of Object.entries(ep?.info ?? {})) add(k, v, 'info');
  $('resim').textContent =
    ep?.resimRewardError !== undefined ? `reward terms re-simulated from qpos/qvel; largest |sum - recorded reward| = ${ep.resimRewardError.toExponential(1)}` : '';
}

/** The reward of every step, with the current step marked. */
function drawChart(): void {
  const c = $<HTMLCanvasElement>('chart');
  const g = c.getContext('2d')!;
  const w = (c.width = c.clientWidth), h = (c.height = c.clientHeight);
  g.clearRect(0, 0, w, h);
  if (!ep || ep.rewards.length === 0) return;
  let lo = Math.min(0, ...ep.rewards), hi = Math.max(0, ...ep.rewards);
  if (hi - lo < 1e-9) hi = lo + 1;
  const X = (i: number) => (i / Math.max(ep!.length, 1)) * (w - 2) + 1;
  const Y = (v: number) => h - 4 - ((v - lo) / (hi - lo)) * (h - 8);
  g.strokeStyle = '#bbb';
  g.beginPath();
  g.moveTo(0, Y(0));
  g.lineTo(w, Y(0));
  g.stroke();
  g.strokeStyle = '#2a6fdb';
  g.beginPath();
  ep.rewards.forEach((r, i) => (i === 0 ? g.moveTo(X(i + 1), Y(r)) : g.lineTo(X(i + 1), Y(r))));
  g.stroke();
  chartImage = g.getImageData(0, 0, w, h);
}
let chartImage: ImageData | null = null;

function drawCursor(f: number): void {
  const c = $<HTMLCanvasElement>('chart');
  if (!chartImage || !ep) return;
  const g = c.getContext('2d')!;
  g.putImageData(chartImage, 0, 0);
  const x = (f / Math.max(ep.length, 1)) * (c.width - 2) + 1;
  g.strokeStyle = '#d33';
  g.beginPath();
  g.moveTo(x, 0);
  g.lineTo(x, c.height);
  g.stroke();
}

function play(): void {
  if (!ep) return;
  if (state.frame >= ep.length) show(0);
  state.playing = true;
  $('play').textContent = 'pause';
  lastTick = performance.now();
  carry = 0;
  requestAnimationFrame(tick);
}

function pause(): void {
  state.playing = false;
  $('play').textContent = 'play';
}

/** Advances at the env's own rate (info.fps env steps per second) times the speed. */
function tick(now: number): void {
  if (!state.playing || !ep) return;
  carry += ((now - lastTick) / 1000) * info.fps * speed;
  lastTick = now;
  const steps = Math.floor(carry);
  if (steps > 0) {
    carry -= steps;
    show(Math.min(ep.length, state.frame + steps));
  }
  if (state.frame >= ep.length) pause();
  else requestAnimationFrame(tick);
}

function setStatus(s: string): void {
  $('status').textContent = s;
  $('status').hidden = s === '';
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(a >= 100 ? 1 : 4);
}

main().catch((e: unknown) => {
  state.error = (e as Error).message ?? String(e);
  setStatus(`error: ${state.error}`);
  document.body.dataset.error = state.error;
  console.error(e);
});
