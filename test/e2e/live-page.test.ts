import { chromium, type Browser } from 'playwright-core';
import { seededStack, type SeededStack } from '../helpers/stack';

// Debian's chromium (.ci/run installs it when missing), driven by playwright-core.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let world: SeededStack;
let browser: Browser;

beforeAll(async () => {
  world = await seededStack();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

it('a supervisor’s /live page shows a segment appended through the gateway as it arrives, already redacted', async () => {
  const agent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-agent' });
  const supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'], sub: 'acme-supervisor' });
  const recorded = await world.as(agent).send('mutation { recordInteraction(input: { channel: VOICE, direction: INBOUND, transcript: [{ sequence: 1, speaker: AGENT, text: "Thank you for calling" }] }) { id } }');
  const id = recorded.data.recordInteraction.id;

  const page = await browser.newPage();
  const origin = world.stack.gatewayUrl.replace(/\/graphql$/, '');
  await page.goto(`${origin}/live`);
  await page.fill('#token', supervisor);
  await page.fill('#interaction', id);
  await page.fill('#from', '0');
  await page.click('#watch');
  await page.waitForSelector('#segments li[data-sequence="1"]');
  expect(await page.textContent('#status')).toBe('watching');

  await world.as(agent).send('mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 2, speaker: END_USER, text: "my social is 078-05-1120" }]) { appended } }', { id });
  const item = await page.waitForSelector('#segments li[data-sequence="2"]');
  expect(await item.textContent()).toBe('END_USER: my social is [SSN REDACTED]');
  expect(await page.content()).not.toContain('078-05-1120');
  expect(await page.$$eval('#segments li', (items) => items.map((li) => li.textContent))).toEqual(['AGENT: Thank you for calling', 'END_USER: my social is [SSN REDACTED]']);
});
