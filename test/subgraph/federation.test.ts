import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DefinitionNode, type ObjectTypeDefinitionNode } from 'graphql';
import { randomBytes } from 'node:crypto';
import { ContextSigner, requestDigest, serviceClaims } from '../../platform/contracts/signed-context';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { callSubgraph, codes, memberClaims } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { seededStack, type SeededStack } from '../helpers/stack';

const ENTITY_FIELDS: Record<string, string> = {
  identity: 'firstName email',
  interactions: 'interactions { edges { node { id channel } } }',
  consent: 'consents { edges { node { purpose granted } } }',
  crm: 'crmLinks { edges { node { externalId } } }',
};
const entitiesQuery = (name: string) =>
  `query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { id ${ENTITY_FIELDS[name]} } } }`;

let world: SeededStack;
let signer: ContextSigner;

beforeAll(async () => {
  world = await seededStack();
  signer = await world.env.signer();
});
afterAll(() => world?.close());

describe.each(SUBGRAPH_NAMES)('%s subgraph', (name) => {
  const url = () => world.stack.subgraphUrls[name];

  it('serves its SDL through _service to the gateway, matching the checked-in file', async () => {
    const response = await callSubgraph(signer, name, url(), serviceClaims('t'), '{ _service { sdl } }');
    expect(response.errors).toBeUndefined();
    // The served SDL adds federation's own definitions (and _entities/_service on Query); every
    // other checked-in definition is in it exactly as written.
    const isQuery = (d: DefinitionNode) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Query';
    const served = parse(response.data._service.sdl).definitions;
    const checkedIn = parse(fs.readFileSync(path.resolve('schema', `${name}.graphql`), 'utf8')).definitions;
    const servedPrinted = new Set(served.filter((d) => !isQuery(d)).map((d) => print(d)));
    expect(checkedIn.length).toBeGreaterThan(5);
    for (const definition of checkedIn.filter((d) => !isQuery(d))) expect(servedPrinted).toContain(print(definition));
    const fieldsOf = (defs: readonly DefinitionNode[]) =>
      (defs.find(isQuery) as ObjectTypeDefinitionNode).fields!.map((f) => print(f));
    expect(fieldsOf(served)).toEqual(expect.arrayContaining(fieldsOf(checkedIn)));
  });

  it('resolves _entities within the caller’s tenant only', async () => {
    const representations = [
      { __typename: 'EndUser', id: world.acme.endUserIds[0] },
      { __typename: 'EndUser', id: world.globex.endUserIds[0] },
    ];
    const response = await callSubgraph(
      signer,
      name,
      url(),
      memberClaims(world.acme, ['admin']),
      entitiesQuery(name),
      { r: representations },
    );
    expect(response.errors).toBeUndefined();
    const [own, other] = response.data._entities;
    expect(own.id).toBe(world.acme.endUserIds[0]);
    if (name === 'identity') {
      expect(own.email).toMatch(/@acme\.example$/);
      expect(other).toBeNull();
    } else {
      const field = ENTITY_FIELDS[name].split(' ')[0];
      // The acme end-user has rows here (seeded); the globex one yields nothing to acme.
      if (name !== 'crm') expect(own[field].edges.length).toBeGreaterThan(0);
      expect(other[field].edges).toEqual([]);
    }
  });

  it('refuses _entities to an anonymous or platform caller', async () => {
    const refs = { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] };
    const anonymous = memberClaims(world.acme, []);
    anonymous.principal = { id: 'anonymous', kind: 'anonymous', roles: [], scopes: [] };
    anonymous.tenant = null;
    const a = await callSubgraph(signer, name, url(), anonymous, entitiesQuery(name), refs);
    expect(codes(a)).toContain('UNAUTHENTICATED');
    expect(a.data?._entities ?? null).toBeNull();
    const platform = { ...anonymous, principal: { id: 'p', kind: 'platform' as const, roles: [], scopes: [] } };
    const p = await callSubgraph(signer, name, url(), platform, entitiesQuery(name), refs);
    expect(codes(p)).toContain('FORBIDDEN');
    expect(p.data?._entities ?? null).toBeNull();
  });

  describe('without a valid gateway signature', () => {
    const query = '{ _service { sdl } }';
    const expectRefused = (response: { status: number; data?: unknown; errors?: unknown[] }) => {
      expect(response.status).toBe(401);
      expect(codes(response as never)).toEqual(['UNAUTHENTICATED']);
      expect(response.data).toBeUndefined();
    };

    it('refuses a request with no context', async () => {
      expectRefused(await httpClient(url()).send(query));
      expectRefused(
        await httpClient(url()).send(entitiesQuery(name), { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] }),
      );
    });

    it('refuses a context signed with another key', async () => {
      const forger = new ContextSigner(new Uint8Array(randomBytes(32)));
      expectRefused(await callSubgraph(forger, name, url(), memberClaims(world.acme, ['admin']), query));
    });

    it('refuses a user access token in place of the gateway context', async () => {
      const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
      expectRefused(await httpClient(url(), undefined, { 'x-cx-context': token }).send(query));
      expectRefused(await httpClient(url(), token).send(query));
    });

    it('refuses a replayed context, and one issued for another query or subgraph', async () => {
      const claims = serviceClaims('replay');
      const token = await signer.sign(claims, name, requestDigest(query, undefined));
      const first = await httpClient(url(), undefined, { 'x-cx-context': token }).send(query);
      expect(first.status).toBe(200);
      expectRefused(await httpClient(url(), undefined, { 'x-cx-context': token }).send(query));
      const other = await signer.sign(claims, name, requestDigest('{ __typename }', undefined));
      expectRefused(await httpClient(url(), undefined, { 'x-cx-context': other }).send(query));
      const elsewhere = name === 'identity' ? 'crm' : 'identity';
      const misdirected = await signer.sign(claims, elsewhere, requestDigest(query, undefined));
      expectRefused(await httpClient(url(), undefined, { 'x-cx-context': misdirected }).send(query));
    });
  });
});
