/**
 * The dashboard in a real browser (issue 12): `deeperthings up --workers 3 --ui-port 0` on an
 * embedded broker at port 0, headless Chromium from Debian's package driven by playwright-core.
 * The page loads without console errors, shows the 3 workers, draws the plan strip exactly as the
 * retained plan document says, and shows a published frame with its boxes within 10 s. Screenshots
 * (1280×720, full page, phone) go to test-artifacts/. Without Chromium the test is skipped, except in
 * CI (CI=true), where it fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Topics } from '../../shared/topics.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { connect } from '../../cli/stack.ts';
import { DOG, collect } from '../support/runtime.ts';

const CHROMIUM = '/usr/bin/chromium';
const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Start `up` and read the broker and dashboard URLs it prints. */
function startUp(): { child: ChildProcess; urls: Promise<{ broker: string; dashboard: string }>; log: string[] } {
  const args = [BIN, 'up', '--workers', '3', '--port', '0', '--ui-port', '0', '--model', 'yolov2-tiny', '--input-size', '160x160', '--threshold', '0.015', '--no-sample'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const urls = new Promise<{ broker: string; dashboard: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const broker = /^broker (mqtt:\/\/\S+)/m.exec(out)?.[1], dashboard = /^dashboard (http:\/\/\S+)/m.exec(out)?.[1];
      if (broker && dashboard) resolve({ broker, dashboard });
    });
    child.once('exit', (code) => reject(new Error(`up exited with ${code} before printing its URLs:\n${log.slice(-20).join('')}`)));
  });
  child.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
  return { child, urls, log };
}

async function retainedPlan(t: Transport, topics: Topics, ms: number): Promise<PlanDoc> {
  const plans = await collect(t, topics.plan());
  await plans.next(1, ms);
  return plans.messages.at(-1)!.body as PlanDoc;
}

describe('dashboard in headless Chromium (up --workers 3 --ui-port 0)', function () {
  this.timeout(300_000);
  let up: ReturnType<typeof startUp> | undefined;
  let browser: BrowserContext | undefined;
  let client: Transport | undefined;
  let profile = '';

  before(function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`dashboard test: ${CHROMIUM} not found; CI must install it (apt-get install -y chromium)`);
      this.skip();
    }
  });

  after(async () => {
    await browser?.close();
    await client?.close();
    if (up && up.child.exitCode === null) {
      up.child.kill('SIGTERM');
      await new Promise((r) => up!.child.once('exit', r));
    }
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the workers, the plan strip of the plan JSON and a frame with its boxes; keyboard works', async () => {
    up = startUp();
    const { broker, dashboard } = await up.urls;
    const topics = new Topics();
    client = await connect({ url: broker }, `dashboard-test-${process.pid}`);
    const predictions = await collect(client, topics.cameraPredictions('front'));
    const arrived: number[] = []; // when this MQTT client got each predictions message
    await client.subscribe(topics.cameraPredictions('front'), () => arrived.push(Date.now()));
    mkdirSync(ARTIFACTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'dt-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 720 } });
    const page = browser.pages()[0] ?? await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => { if (!r.url().endsWith('/events')) problems.push(`request failed: ${r.url()}`); });
    await page.goto(dashboard);

    await page.waitForFunction(() => document.querySelectorAll('#workers [data-worker]').length === 3, null, { timeout: 180_000 });
    assert.deepEqual(await page.$$eval('#workers [data-worker]', (els) => els.map((e) => (e as HTMLElement).dataset.worker)), ['w0', 'w1', 'w2']);

    // Every worker the plan uses runs it (its stats name it), the others show as idle: then the plan
    // is final and a frame is processed. The latency objective may leave workers out (issue 13).
    await page.waitForFunction(() => {
      const labels = [...document.querySelectorAll('#workers [data-worker]')].map((e) => e.getAttribute('aria-label') ?? '');
      return labels.length === 3 && labels.some((l) => l.endsWith('running plan')) && labels.every((l) => l.endsWith('running plan') || l.endsWith('not in plan'));
    }, null, { timeout: 180_000 });
    const plan = await retainedPlan(client, topics, 10_000);
    await checkStrip(page, plan);

    // The first frame after a plan warms the engines up (kernels compile, weights load): seconds on
    // a busy CI machine. The dashboard's own delay is what the 10 s bound is about, so it is timed
    // on the second frame.
    await client.publish(topics.cameraFrame('front'), DOG);
    await predictions.next(1, 120_000);
    const sent = Date.now();
    await client.publish(topics.cameraFrame('front'), DOG);
    await page.waitForFunction(() => {
      const cam = document.querySelector<HTMLElement>('.camera[data-camera="front"]');
      const img = cam?.querySelector<HTMLImageElement>('img');
      return cam?.dataset.frame === '2' && !!img && img.complete && img.naturalWidth > 0 && cam.querySelectorAll('.box').length > 0;
    }, null, { timeout: 10_000 }).catch(async (e: Error) => {
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-failure.png'), fullPage: true });
      const seen = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.camera')].map((c) => `${c.dataset.camera}#${c.dataset.frame} boxes ${c.querySelectorAll('.box').length} img ${c.querySelector('img')?.naturalWidth}`));
      throw new Error(`${e.message}; page shows [${seen.join(', ')}], predictions ${predictions.messages.map((m) => `#${m.body.frame} ${m.body.latencyMs?.total} ms`).join(', ')}`);
    });
    const shownMs = Date.now() - sent;
    const pred = (await predictions.next(2, 1000))[1];
    assert.equal(pred.frame, 2);
    // The page draws the 50 best boxes of a frame (synthetic weights at a low threshold can give thousands).
    await page.waitForFunction((n) => document.querySelectorAll('.camera[data-camera="front"] .box').length === n, Math.min(50, pred.detections.length), { timeout: 2000 });
    assert.ok(shownMs < 10_000, `frame shown after ${shownMs} ms`);
    process.stdout.write(`      (frame 2 on the page with ${pred.detections.length} boxes ${shownMs} ms after it was published: predictions on MQTT after ${arrived[1]! - sent} ms, of which ${pred.latencyMs.total} ms from ingest to head)\n`);
    assert.match(await page.textContent('.camera[data-camera="front"] figcaption') ?? '', /frame 2\b/);

    await page.waitForSelector('#waterfall .wf-row');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1280x720.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-full.png'), fullPage: true });
    await checkKeyboard(page, plan);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-keyboard.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scrolling on a phone');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png') });
    assert.deepEqual(problems, []);
  });
});

async function checkStrip(page: Page, plan: PlanDoc): Promise<void> {
  await page.waitForFunction((id) => document.querySelector('#plan .mono')?.getAttribute('title') === id, plan.planId, { timeout: 10_000 });
  const types = await page.$$eval('#strip .layer', (els) => els.map((e) => (e as HTMLElement).dataset.type));
  assert.equal(types.length, plan.layers.length);
  assert.deepEqual(types, plan.layers.map((l) => l.partition));
}

/** Tab reaches the skip link first; the strip takes arrow keys and says which layer is selected. */
async function checkKeyboard(page: Page, plan: PlanDoc): Promise<void> {
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
  await page.focus('#strip');
  await page.keyboard.press('End');
  const last = plan.layers.at(-1)!;
  assert.match(await page.textContent('#layer-detail') ?? '', new RegExp(`^Layer ${last.index} `));
  await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('#layer-detail') ?? '', new RegExp(`^Layer ${plan.layers.at(-2)!.index} `));
}
