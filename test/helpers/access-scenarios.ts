import { randomBytes } from 'node:crypto';
import { PrincipalDirectory } from '../../subgraphs/identity/services/principal.service';
import { codes, type GraphQLResponse } from './environment';
import { httpClient } from './graphql';
import type { SeededStack } from './stack';

export interface PropagationWorld {
  world: SeededStack;
  /** The gateway under test, in a process of its own; changes are made through the stack's gateway (identity's process). */
  url: string;
  /** Whether this gateway may reuse an answer (a shared version store), so repeated requests ask identity once. */
  caches: boolean;
}

const TENANT = '{ tenant { slug } }';
const rand = () => randomBytes(4).toString('hex');

async function exchange(url: string, clientId: string, clientSecret: string) {
  const response = await fetch(url.replace(/\/graphql$/, '/oauth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  return { status: response.status, body: (await response.json()) as { access_token?: string } };
}

function expectOk(response: GraphQLResponse, field: string) {
  expect(response.errors).toBeUndefined();
  expect(response.data[field]).toBeTruthy();
}

function expectRefused(response: GraphQLResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(codes(response)).toEqual([code]);
  expect(response.data ?? null).toBeNull();
}

/**
 * Each access change, made through one gateway, holds at the gateway under test from the very
 * next request, after that gateway had answered (and, with a shared store, cached) the old state.
 */
export function propagationTests(get: () => PropagationWorld): void {
  const change = (query: string, variables: Record<string, unknown> | undefined, token: string, headers: Record<string, string> = {}) =>
    get().world.as(token, headers).send(query, variables).then((response) => {
      expect(response.errors).toBeUndefined();
      return response;
    });
  const ask = (query: string, token: string) => httpClient(get().url, token).send(query);
  const admin = () => get().world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-propagation-admin' });
  const platform = () => get().world.env.token({ platform: true });

  /** Answers the old state a few times; when the gateway caches, the later ones without asking identity. */
  async function warm(query: string, token: string, field: string) {
    expectOk(await ask(query, token), field);
    const resolve = jest.spyOn(PrincipalDirectory.prototype, 'resolve');
    try {
      for (let i = 0; i < 2; i++) expectOk(await ask(query, token), field);
      expect(resolve).toHaveBeenCalledTimes(get().caches ? 0 : 2);
    } finally {
      resolve.mockRestore();
    }
  }

  async function newTenant(): Promise<{ id: string; slug: string; admin: string }> {
    const slug = `t-${rand()}`;
    const created = await change(
      'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id slug } }',
      { input: { slug, name: slug, deployment: 'PUBLIC_CLOUD', region: 'eu-west-1' } },
      await platform(),
    );
    return { ...created.data.createTenant, admin: await get().world.env.token({ tenant: slug, roles: ['admin'], sub: `${slug}-admin` }) };
  }

  it('revokeOperator: refused from the next request, and reinstateOperator admits again', async () => {
    const subject = `acme-op-${rand()}`;
    const invited = await change(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [AGENT] }) { id } }`, undefined, await admin());
    const id = invited.data.inviteOperator.id;
    const token = await get().world.env.token({ tenant: 'acme', roles: ['agent'], sub: subject });
    await warm(TENANT, token, 'tenant');
    await change('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id }, await admin());
    expectRefused(await ask(TENANT, token), 403, 'FORBIDDEN');
    await change('mutation($id: ID!) { reinstateOperator(id: $id) { status } }', { id }, await admin());
    expectOk(await ask(TENANT, token), 'tenant');
  });

  it('setOperatorRoles: the next request has the new roles, either way', async () => {
    const subject = `acme-op-${rand()}`;
    const invited = await change(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [ADMIN] }) { id } }`, undefined, await admin());
    const id = invited.data.inviteOperator.id;
    // The token still claims admin: the stored roles decide.
    const token = await get().world.env.token({ tenant: 'acme', roles: ['admin'], sub: subject });
    const OPERATORS = '{ operators(first: 1) { edges { node { id } } } }';
    await warm(OPERATORS, token, 'operators');
    await change('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [AGENT]) { roles } }', { id }, await admin());
    const demoted = await ask(OPERATORS, token);
    expect(codes(demoted)).toEqual(['FORBIDDEN']);
    expect(demoted.data?.operators ?? null).toBeNull();
    await change('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [ADMIN]) { roles } }', { id }, await admin());
    expectOk(await ask(OPERATORS, token), 'operators');
  });

  it('revokeApiClient: the client’s token is refused from the next request, and no new token is issued', async () => {
    const created = await change('mutation { createApiClient(input: { name: "propagation", scopes: ["profiles:read"] }) { client { id clientId } clientSecret } }', undefined, await admin());
    const { client, clientSecret } = created.data.createApiClient;
    const issued = await exchange(get().url, client.clientId, clientSecret);
    expect(issued.status).toBe(200);
    await warm('{ me { kind } }', issued.body.access_token!, 'me');
    await change('mutation($id: ID!) { revokeApiClient(id: $id) { status } }', { id: client.id }, await admin());
    expectRefused(await ask('{ me { kind } }', issued.body.access_token!), 403, 'FORBIDDEN');
    expect((await exchange(get().url, client.clientId, clientSecret)).status).toBe(401);
  });

  it('setTenantStatus(DISABLED): the tenant’s tokens are refused from the next request; ACTIVE admits again', async () => {
    const tenant = await newTenant();
    await warm(TENANT, tenant.admin, 'tenant');
    await change('mutation($id: ID!) { setTenantStatus(id: $id, status: DISABLED) { status } }', { id: tenant.id }, await platform());
    expectRefused(await ask(TENANT, tenant.admin), 401, 'UNAUTHENTICATED');
    await change('mutation($id: ID!) { setTenantStatus(id: $id, status: ACTIVE) { status } }', { id: tenant.id }, await platform());
    expectOk(await ask(TENANT, tenant.admin), 'tenant');
  });

  it('updateTenantAccessPolicy: an address taken off the allowlist is refused from the next request; put back, admitted', async () => {
    const tenant = await newTenant();
    await warm(TENANT, tenant.admin, 'tenant');
    // Made from 10.0.0.1 (the stack's gateway trusts loopback proxies), which the new list keeps.
    const from = { 'x-forwarded-for': '10.0.0.1' };
    await change('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["10.0.0.0/8"] }) { id } }', undefined, tenant.admin, from);
    expectRefused(await ask(TENANT, tenant.admin), 403, 'IP_NOT_ALLOWED');
    await change('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["10.0.0.0/8", "127.0.0.0/8"] }) { id } }', undefined, tenant.admin, from);
    expectOk(await ask(TENANT, tenant.admin), 'tenant');
  });
}
