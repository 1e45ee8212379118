/// <reference lib="dom" />
// (the page-side callbacks below run in the browser)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startViewer, type Viewer } from './server.js';

/**
 * End to end: the real page in Debian's Chromium (headless, software WebGL), driven like a user.
 * Locally the test is skipped when Chromium is missing; in CI (CI set) that is a failure.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const IN_CI = Boolean(process.env.CI);
const EXPERTS = fileURLToPath(new URL('../../../experts/', import.meta.url));
/** Screenshots land here (printed), to look at what the test saw. */
const SHOTS = process.env.VIEWER_SCREENSHOTS ?? path.join(os.tmpdir(), 'mgail-viewer-screenshots');

interface PageState {
  ready: boolean;
  frame: number;
  frames: number;
  drawn: number;
  playing: boolean;
  error?: string;
}

/** Pixels of the view's canvas (WebGL or 2D) copied through a 2D canvas. */
interface CanvasStats {
  width: number;
  height: number;
  /** distinct colours among sampled pixels */
  colours: number;
  /** pixels matching `match`, and their bounding box */
  matched: number;
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  /** a downsampled copy, to compare frames */
  thumb: number[];
}

async function canvasStats(page: Page, match: string): Promise<CanvasStats> {
  return page.evaluate((matchSrc) => {
    const isMatch = new Function('r', 'g', 'b', `return ${matchSrc};`) as (r: number, g: number, b: number) => boolean;
    const src = document.querySelector<HTMLCanvasElement>('#stage canvas')!;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const g = c.getContext('2d')!;
    g.drawImage(src, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    let matched = 0;
    let box: { x0: number; y0: number; x1: number; y1: number } | null = null;
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = 4 * (y * c.width + x);
        const [r, gg, b] = [d[i], d[i + 1], d[i + 2]];
        if ((x + y) % 7 === 0) colours.add((r << 16) | (gg << 8) | b);
        if (isMatch(r, gg, b)) {
          matched++;
          box = box ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
        }
      }
    }
    const thumb: number[] = [];
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const i = 4 * (Math.floor(((y + 0.5) * c.height) / 16) * c.width + Math.floor(((x + 0.5) * c.width) / 16));
        thumb.push(d[i] + d[i + 1] + d[i + 2]);
      }
    }
    return { width: c.width, height: c.height, colours: colours.size, matched, box, thumb };
  }, match);
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { mgailViewer: PageState }).mgailViewer);
const stepText = async (page: Page) => Number(await page.textContent('#step'));

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('viewer in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    // without Chromium (in CI) each test fails with the message below, so the count says "failed"
    if (!HAVE_CHROMIUM) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // no GPU here: WebGL on SwiftShader; root needs --no-sandbox
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(input: string): Promise<{ page: Page; viewer: Viewer; errors: string[] }> {
    if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium (apt-get install -y chromium) or CHROMIUM_PATH`);
    const viewer = await startViewer(input, { port: 0 });
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // nothing outside the local server is reachable from the page
    await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      errors.push(`request outside the viewer: ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(viewer.url);
    await page.waitForFunction(() => {
      const s = (window as unknown as { mgailViewer?: PageState }).mgailViewer;
      return s?.ready || s?.error;
    }, null, { timeout: 120_000 });
    const s = await state(page);
    expect(s.error).toBeUndefined();
    return { page, viewer, errors };
  }

  it('replays CartPole in 2D: cart and pole drawn, play advances the step counter, scrubbing jumps', async () => {
    const { page, viewer, errors } = await open(path.join(EXPERTS, 'CartPole-v1', 'demos.npz'));
    try {
      expect(await page.textContent('#title')).toBe('CartPole-v1');
      expect(await stepText(page)).toBe(0);
      expect(await page.textContent('#steps')).toBe('500');
      // the pole (#ca9865) stands above the cart (#333333): upright at the start
      const pole = await canvasStats(page, 'Math.abs(r - 202) < 12 && Math.abs(g - 152) < 12 && Math.abs(b - 101) < 12');
      const cart = await canvasStats(page, 'r === 51 && g === 51 && b === 51');
      expect(pole.matched).toBeGreaterThan(500);
      expect(cart.matched).toBeGreaterThan(1000);
      expect(pole.box!.y1).toBeLessThanOrEqual(cart.box!.y0 + 5);
      expect(pole.box!.y1 - pole.box!.y0).toBeGreaterThan(3 * (pole.box!.x1 - pole.box!.x0));
      await page.screenshot({ path: path.join(SHOTS, 'cartpole-start.png') });

      await page.click('#play');
      await page.waitForFunction(() => Number(document.querySelector('#step')!.textContent) >= 20, null, { timeout: 30_000 });
      await page.click('#play'); // pause
      const paused = await stepText(page);
      expect(paused).toBeGreaterThanOrEqual(20);
      expect((await state(page)).playing).toBe(false);
      expect(Number(await page.textContent('#return'))).toBe(paused); // CartPole pays 1 per step

      // keyboard on the scrub bar, as a user would: End jumps to the last frame
      await page.focus('#scrub');
      await page.keyboard.press('End');
      expect(await stepText(page)).toBe(500);
      expect(await page.textContent('#ended')).toBe('truncated (time limit)');
      await page.keyboard.press('Home');
      expect(await stepText(page)).toBe(0);
      await page.click('#next');
      await page.click('#next');
      expect(await stepText(page)).toBe(2);
      expect(await page.textContent('#reward')).toBe('1.0000');

      // another episode from the list
      await page.selectOption('#episode', '3');
      await page.waitForFunction(() => (window as unknown as { mgailViewer: { episode: number } }).mgailViewer.episode === 3);
      expect(await stepText(page)).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, 'cartpole.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await viewer.close();
    }
  });

  it('replays Hopper in 3D with MuJoCo WASM and three.js: upright on the floor at the start, moving, reward terms shown', async () => {
    const { page, viewer, errors } = await open(path.join(EXPERTS, 'Hopper-v5', 'demos-deterministic.npz'));
    try {
      expect(await page.textContent('#title')).toBe('Hopper-v5');
      expect(await page.textContent('#steps')).toBe('1000');
      // the hopper's tan body (rgba .8 .6 .4, shaded): red above green above blue; the floor
      // (.8 .9 .8) and the sky (blue-grey) have green or blue on top
      const BODY = 'r > b + 20 && r > g + 6';
      const start = await canvasStats(page, BODY);
      expect(start.colours).toBeGreaterThan(50);
      expect(start.matched).toBeGreaterThan(800);
      const box = start.box!;
      // standing: much taller than wide, and in the middle of the view the camera tracks
      expect(box.y1 - box.y0).toBeGreaterThan(2 * (box.x1 - box.x0));
      expect((box.x0 + box.x1) / 2).toBeGreaterThan(start.width * 0.3);
      expect((box.x0 + box.x1) / 2).toBeLessThan(start.width * 0.7);
      // floor below its feet: the bottom rows are not sky (the sky is blue-grey, b > r)
      const floor = await canvasStats(page, 'g > b');
      expect(floor.box!.y1).toBe(floor.height - 1);
      expect(floor.box!.y0).toBeLessThan(box.y1);
      await page.screenshot({ path: path.join(SHOTS, 'hopper-start.png') });

      // terms of step 1 are the env's reward split
      await page.click('#next');
      expect(await stepText(page)).toBe(1);
      const terms = await page.$$eval('#terms tr.term', (rows) => rows.map((r) => (r as HTMLTableRowElement).cells[0].textContent));
      expect(terms.sort()).toEqual(['reward_ctrl', 'reward_forward', 'reward_survive']);
      expect(await page.textContent('#terms tr[data-key="reward_survive"] td:nth-child(2)')).toBe('1.0000');

      await page.click('#play');
      await page.waitForFunction(() => Number(document.querySelector('#step')!.textContent) >= 100, null, { timeout: 60_000 });
      await page.click('#play');
      const moved = await stepText(page);
      const later = await canvasStats(page, BODY);
      // the scene changed (the hopper hops, the floor scrolls under the tracking camera)
      const changed = later.thumb.filter((v, i) => Math.abs(v - start.thumb[i]) > 30).length;
      expect(changed).toBeGreaterThan(5);
      expect(later.matched).toBeGreaterThan(500);
      expect((await state(page)).drawn).toBeGreaterThan(2);
      expect(moved).toBeGreaterThanOrEqual(100);
      await page.screenshot({ path: path.join(SHOTS, 'hopper.png') });
      console.log(`screenshots in ${SHOTS}`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await viewer.close();
    }
  });
});
