import { describe, expect, it } from 'vitest';
import { cli } from './test-helpers.js';

describe('mgail CLI', () => {
  it('lists the env ids separated by spaces', async () => {
    const r = await cli('envs');
    expect(r.code).toBe(0);
    const ids = r.out.split(' ');
    for (const id of ['CartPole-v1', 'MountainCar-v0', 'Acrobot-v1', 'MountainCarContinuous-v0', 'Pendulum-v1']) expect(ids).toContain(id);
  });

  it('rolls out a random policy reproducibly', async () => {
    const a = await cli('rollout', '--env', 'CartPole-v1', '--episodes', '5', '--seed', '3', '--json');
    const b = await cli('rollout', '--env', 'CartPole-v1', '--episodes', '5', '--seed', '3', '--json');
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.out);
    expect(ra.episodes).toBe(5);
    expect(ra.returns).toHaveLength(5);
    // a random CartPole policy falls within a few dozen steps
    expect(ra.mean).toBeGreaterThan(5);
    expect(ra.mean).toBeLessThan(100);
    expect(b.out).toBe(a.out);
  });

  it('prints help for every verb', async () => {
    for (const verb of ['envs', 'rollout']) {
      const r = await cli(verb, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: mgail ${verb}`);
    }
  });

  it('explains the columns of the progress lines in train and train-expert --help', async () => {
    const t = await cli('train', '--help');
    expect(t.code).toBe(0);
    for (const col of ['D acc:', 'J:', 'ETA', 'd_agent:', 'val_nll']) expect(t.out).toContain(col);
    const e = await cli('train-expert', '--help');
    expect(e.out).toMatch(/ETA: time left/);
  });

  it('rejects an unknown env with the list of ids and no stack trace', async () => {
    const r = await cli('rollout', '--env', 'NoSuchEnv-v0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown env "NoSuchEnv-v0".*CartPole-v1/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown verb and a bad flag value', async () => {
    expect((await cli('frobnicate')).code).not.toBe(0);
    const r = await cli('rollout', '--env', 'CartPole-v1', '--episodes', 'zero');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--episodes must be an integer/);
  });
});
