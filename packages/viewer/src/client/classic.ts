import type { EpisodeData, Renderer } from './api.js';

type Draw = (g: CanvasRenderingContext2D, w: number, h: number, obs: number[], action: number[] | undefined) => void;

const INK = '#222';
const CART = '#333';
const POLE = '#ca9865';
const AXLE = '#8184cb';

/** Gymnasium's cartpole.py drawing: track, cart, pole hinged on the cart, 4.8 m of world. */
const cartPole: Draw = (g, w, h, obs) => {
  const [x, , theta] = obs;
  const scale = w / 4.8;
  const trackY = h * 0.7;
  const cartW = 0.52 * scale, cartH = 0.31 * scale;
  const cx = w / 2 + x * scale;
  g.strokeStyle = INK;
  g.lineWidth = 1;
  line(g, 0, trackY, w, trackY);
  g.fillStyle = CART;
  g.fillRect(cx - cartW / 2, trackY - cartH / 2 - cartH * 0.4, cartW, cartH);
  const axleY = trackY - cartH * 0.4 - cartH / 4;
  // pole of length 2 * 0.5 m, leaning right when theta > 0
  const len = 1.0 * scale;
  g.save();
  g.translate(cx, axleY);
  g.rotate(theta);
  g.fillStyle = POLE;
  g.fillRect(-0.05 * scale, -len, 0.1 * scale, len);
  g.restore();
  g.fillStyle = AXLE;
  circle(g, cx, axleY, 0.05 * scale);
  // the termination bounds (|x| > 2.4)
  g.strokeStyle = '#c33';
  g.setLineDash([4, 4]);
  line(g, w / 2 - 2.4 * scale, trackY - 5, w / 2 - 2.4 * scale, trackY + 5);
  line(g, w / 2 + 2.4 * scale, trackY - 5, w / 2 + 2.4 * scale, trackY + 5);
  g.setLineDash([]);
};

/** acrobot.py: two 1 m links hanging from a pivot; the goal line is 1 m above it. */
const acrobot: Draw = (g, w, h, obs) => {
  const t1 = Math.atan2(obs[1], obs[0]);
  const t2 = Math.atan2(obs[3], obs[2]);
  const scale = Math.min(w, h) / (2 * 2.2);
  const ox = w / 2, oy = h / 2;
  const p1 = [Math.sin(t1), -Math.cos(t1)];
  const p2 = [p1[0] + Math.sin(t1 + t2), p1[1] - Math.cos(t1 + t2)];
  const X = (x: number) => ox + x * scale;
  const Y = (y: number) => oy - y * scale;
  g.strokeStyle = INK;
  g.lineWidth = 1;
  line(g, X(-2.2), Y(1), X(2.2), Y(1));
  g.strokeStyle = '#00cccc';
  g.lineCap = 'round';
  g.lineWidth = 0.2 * scale;
  line(g, X(0), Y(0), X(p1[0]), Y(p1[1]));
  line(g, X(p1[0]), Y(p1[1]), X(p2[0]), Y(p2[1]));
  g.lineCap = 'butt';
  g.fillStyle = '#cccc00';
  circle(g, X(0), Y(0), 0.1 * scale);
  circle(g, X(p1[0]), Y(p1[1]), 0.1 * scale);
};

/** mountain_car.py: the valley sin(3x) * 0.45 + 0.55 on [-1.2, 0.6], the car and the goal flag. */
function mountainCar(goal: number): Draw {
  return (g, w, h, obs) => {
    const minX = -1.2, maxX = 0.6;
    const scale = w / (maxX - minX);
    const height = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;
    const X = (x: number) => (x - minX) * scale;
    const Y = (y: number) => h - 20 - y * scale;
    g.strokeStyle = INK;
    g.lineWidth = 2;
    g.beginPath();
    for (let i = 0; i <= 100; i++) {
      const x = minX + ((maxX - minX) * i) / 100;
      if (i === 0) g.moveTo(X(x), Y(height(x)));
      else g.lineTo(X(x), Y(height(x)));
    }
    g.stroke();
    const fx = X(goal), fy = Y(height(goal));
    g.lineWidth = 1;
    line(g, fx, fy, fx, fy - 50);
    g.fillStyle = '#cccc00';
    g.beginPath();
    g.moveTo(fx, fy - 50);
    g.lineTo(fx + 25, fy - 45);
    g.lineTo(fx, fy - 40);
    g.fill();
    const pos = obs[0];
    g.save();
    g.translate(X(pos), Y(height(pos)));
    g.rotate(-Math.atan(Math.cos(3 * pos) * 0.45 * 3));
    const cw = 40, ch = 20, clear = 10;
    g.fillStyle = '#000';
    g.fillRect(-cw / 2, -clear - ch, cw, ch);
    g.fillStyle = '#808080';
    circle(g, -cw / 4, -clear, ch / 2.5);
    circle(g, cw / 4, -clear, ch / 2.5);
    g.restore();
  };
}

/** pendulum.py: a rod from the pivot, upright at theta = 0, with the torque as an arc. */
const pendulum: Draw = (g, w, h, obs, action) => {
  const theta = Math.atan2(obs[1], obs[0]);
  const scale = Math.min(w, h) / 2.4;
  const ox = w / 2, oy = h / 2;
  // theta counter-clockwise from upright: the tip is at (-sin, cos) in y-up coordinates
  const ex = ox - Math.sin(theta) * scale, ey = oy - Math.cos(theta) * scale;
  g.strokeStyle = '#cc4d4d';
  g.lineCap = 'round';
  g.lineWidth = 0.2 * scale;
  line(g, ox, oy, ex, ey);
  g.lineCap = 'butt';
  g.fillStyle = INK;
  circle(g, ox, oy, 0.05 * scale);
  const u = action?.[0];
  if (u !== undefined && u !== 0) {
    // the torque, as an arc whose length follows |u| (max 2)
    const r = 0.3 * scale;
    g.strokeStyle = '#333';
    g.lineWidth = 3;
    g.beginPath();
    const span = (Math.min(Math.abs(u), 2) / 2) * Math.PI;
    // positive torque turns counter-clockwise: the arc runs left from the top
    if (u > 0) g.arc(ox, oy, r, -Math.PI / 2 - span, -Math.PI / 2);
    else g.arc(ox, oy, r, -Math.PI / 2, -Math.PI / 2 + span);
    g.stroke();
  }
};

const DRAW: Record<string, Draw> = {
  'CartPole-v1': cartPole,
  'Acrobot-v1': acrobot,
  'MountainCar-v0': mountainCar(0.5),
  'MountainCarContinuous-v0': mountainCar(0.45),
  'Pendulum-v1': pendulum,
};

/** Any other env: the observation vector as bars, scaled to the episode's largest |value|. */
function bars(maxAbs: number[]): Draw {
  return (g, w, h, obs) => {
    const n = obs.length;
    const bw = w / Math.max(n, 1);
    const mid = h / 2;
    g.strokeStyle = INK;
    g.lineWidth = 1;
    line(g, 0, mid, w, mid);
    g.font = '11px sans-serif';
    for (let i = 0; i < n; i++) {
      const v = obs[i] / (maxAbs[i] || 1);
      g.fillStyle = v >= 0 ? '#4878d0' : '#d65f5f';
      const bh = v * (h / 2 - 20);
      g.fillRect(i * bw + bw * 0.15, mid - Math.max(bh, 0), bw * 0.7, Math.abs(bh));
      if (n <= 40) {
        g.fillStyle = INK;
        g.fillText(`o${i}`, i * bw + bw * 0.15, h - 4);
      }
    }
  };
}

/** The 2D view of classic-control envs (and observation bars for envs it has no drawing for). */
export class CanvasRenderer implements Renderer {
  readonly element: HTMLCanvasElement;
  private readonly g: CanvasRenderingContext2D;
  private ep: EpisodeData | null = null;
  private drawFn: Draw;

  constructor(private readonly envId: string) {
    this.element = document.createElement('canvas');
    this.element.id = 'view2d';
    this.g = this.element.getContext('2d')!;
    this.drawFn = DRAW[envId] ?? bars([]);
  }

  setEpisode(ep: EpisodeData): void {
    this.ep = ep;
    if (!DRAW[this.envId]) {
      const maxAbs = ep.observations[0].map((_, j) => Math.max(...ep.observations.map((o) => Math.abs(o[j]))));
      this.drawFn = bars(maxAbs);
    }
  }

  resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.element.width = Math.round(width * dpr);
    this.element.height = Math.round(height * dpr);
    this.element.style.width = `${width}px`;
    this.element.style.height = `${height}px`;
    this.g.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  draw(frame: number): void {
    if (!this.ep) return;
    const w = this.element.width / (window.devicePixelRatio || 1);
    const h = this.element.height / (window.devicePixelRatio || 1);
    this.g.fillStyle = '#fff';
    this.g.fillRect(0, 0, w, h);
    // the action shown is the one taken from this state (none at the final state)
    this.drawFn(this.g, w, h, this.ep.observations[frame], this.ep.actions[frame]);
  }
}

function line(g: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
}

function circle(g: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  g.beginPath();
  g.arc(x, y, r, 0, 2 * Math.PI);
  g.fill();
}
