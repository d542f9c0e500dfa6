import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createGatewayServer } from '../../gateway/server';
import { seededStack, type SeededStack } from '../helpers/stack';

// The self-hosted GraphiQL page in headless Chromium, with every request off this machine blocked.
const CHROMIUM = '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
const suite = available ? describe : describe.skip;
if (!available) console.warn(`graphiql.test.ts skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

jest.setTimeout(90_000);

suite('GraphiQL (development)', () => {
  let world: SeededStack;
  let browser: Browser;
  beforeAll(async () => {
    world = await seededStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('loads offline, browses the schema without a token, and answers a query with a pasted token', async () => {
    const base = world.stack.gatewayUrl.replace(/\/graphql$/, '');
    const context = await browser.newContext();
    const blocked: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    const response = await page.goto(`${base}/graphiql`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.graphiql-container');

    // The schema: introspection without a token, in the documentation explorer.
    await page.getByLabel('Show Documentation Explorer').click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().click();
    await page.locator('.graphiql-doc-explorer').getByText('endUsers', { exact: true }).first().waitFor();

    // A token pasted under Headers, a query run.
    const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
    await page.getByText('Headers', { exact: true }).first().click();
    await page.locator('.graphiql-editor-tool .CodeMirror').last().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));
    await page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('{ me { kind tenant { slug } } endUsers(first: 1) { edges { node { id } } } }');
    await page.getByLabel('Execute query (Ctrl-Enter)').click();
    const result = page.locator('.result-window');
    await result.getByText('"acme"').waitFor();
    // The result pane is an editor (gutters and markers in its text): read it as text.
    const answered = await result.innerText();
    expect(answered).toContain('"OPERATOR"');
    expect(answered).toMatch(/"id": "[0-9a-f-]{36}"/);
    expect(answered).not.toContain('"errors"');

    expect(blocked).toEqual([]);
    expect(problems.filter((text) => /Content Security Policy|Refused/.test(text))).toEqual([]);
    await context.close();
  });

  it('is not served in production', async () => {
    const production = await createGatewayServer({ ...world.env.gatewayConfig, production: true });
    try {
      const { url } = await production.listen(0);
      for (const path of ['/graphiql', '/graphiql/assets/graphiql.js', '/graphiql/assets/init.js']) {
        expect((await fetch(url.replace(/\/graphql$/, path))).status).toBe(404);
      }
    } finally {
      await production.close();
    }
  });
});
