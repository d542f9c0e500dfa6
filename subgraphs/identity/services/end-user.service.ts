import type { FindOptionsWhere } from 'typeorm';
import type { RequestContext } from '../../kit/context';
import { badInput, forbidden, notFound } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import { refuseSensitiveNumbers } from '../../kit/sensitive-numbers';
import { AuditAction } from '../entities/audit-event.entity';
import { EndUser, Gender, MaritalStatus } from '../entities/end-user.entity';
import { PrivacyRequestKind, PrivacyRequestStatus } from '../entities/privacy-request.entity';
import { Tenant } from '../entities/tenant.entity';
import type { CreateEndUserInput, EndUserFilter, UpdateEndUserInput } from '../inputs/end-user.input';
import type { AuditService } from './audit.service';
import { ENCRYPTED_FIELDS, EndUserCodec, type EncryptedField } from './end-user-codec';

const COUNTRY = /^[A-Z]{2}$/;

/** Checks what the input decorators cannot: calendar dates, ranges, countries, numbers hidden in plain-text fields. */
export function validateEndUserFields(input: UpdateEndUserInput, now = new Date()): void {
  // Names are shown to everyone who may see the person, and externalRef is stored in clear: an SSN (or a
  // card) must not ride in them. Checked on the input, before encryption. A reference may be a long number, so only SSNs there.
  if (input.firstName) refuseSensitiveNumbers('firstName', input.firstName);
  if (input.lastName) refuseSensitiveNumbers('lastName', input.lastName);
  if (input.externalRef) refuseSensitiveNumbers('externalRef', input.externalRef, ['ssn']);
  if (input.dateOfBirth) {
    const date = new Date(`${input.dateOfBirth}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== input.dateOfBirth) {
      throw badInput('dateOfBirth', 'is not a calendar date');
    }
    if (date >= now) throw badInput('dateOfBirth', 'must be in the past');
    if (date.getUTCFullYear() < 1900) throw badInput('dateOfBirth', 'must be after 1900');
  }
  if (input.address && !COUNTRY.test(input.address.country)) {
    throw badInput('address.country', 'must be an ISO 3166-1 alpha-2 code such as US');
  }
  const geo = input.geolocation;
  if (geo) {
    if (!(geo.latitude >= -90 && geo.latitude <= 90)) throw badInput('geolocation.latitude', 'must be between -90 and 90');
    if (!(geo.longitude >= -180 && geo.longitude <= 180)) {
      throw badInput('geolocation.longitude', 'must be between -180 and 180');
    }
    if (geo.accuracy != null && !(geo.accuracy >= 0)) throw badInput('geolocation.accuracy', 'must not be negative');
    if (geo.capturedAt > new Date(now.getTime() + 60_000)) {
      throw badInput('geolocation.capturedAt', 'must not be in the future');
    }
  }
}

const plain = <T extends object>(value: T | null | undefined) => (value ? ({ ...value } as T) : value);

/** Applies the fields present in `input` to `row`, encrypting what is stored encrypted; returns their names. */
function apply(row: EndUser, input: UpdateEndUserInput, codec: EndUserCodec): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(input) as [keyof UpdateEndUserInput, unknown][]) {
    if (value === undefined) continue;
    changed.push(key);
    if ((ENCRYPTED_FIELDS as string[]).includes(key)) {
      const stored = (key === 'gender' || key === 'maritalStatus') && value === null ? 'UNSPECIFIED' : value;
      codec.write(row, key as EncryptedField, (stored && typeof stored === 'object' && !(stored instanceof Date) ? plain(stored) : stored) as never);
    } else {
      (row as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return changed;
}

export class EndUserService {
  constructor(
    private readonly request: RequestContext,
    private readonly audit: AuditService,
  ) {}

  private get repo() {
    return this.request.scope.repo(EndUser);
  }

  /** For blind indexes alone, or (given the row) to write it under the person's own key. */
  async codec(row?: EndUser): Promise<EndUserCodec> {
    const tenant = await this.request.keyring.cipherFor(this.request.tenantId);
    return row ? EndUserCodec.forRow(this.request.subjectKeys, tenant, row, true) : new EndUserCodec(tenant, null);
  }

  /** A restricted person's record is read by privacy officers only; to anyone else it is not there. */
  private get seesRestricted(): boolean {
    return this.request.can('privacy:manage');
  }

  async get(id: string): Promise<EndUser> {
    const endUser = await this.repo.findById(id);
    if (!endUser || (endUser.processingRestricted && !this.seesRestricted)) throw notFound('End-user');
    return endUser;
  }

  async findMany(ids: readonly string[]): Promise<EndUser[]> {
    const rows = await this.repo.findByIds(ids);
    return this.seesRestricted ? rows : rows.filter((row) => !row.processingRestricted);
  }

  /** Email and phone match exactly, through their blind indexes. */
  async list(filter: EndUserFilter | undefined, first?: number | null, after?: string | null): Promise<Page<EndUser>> {
    const where: FindOptionsWhere<EndUser> = {};
    if (filter?.email || filter?.phone) {
      const codec = await this.codec();
      if (filter.email) where.emailIndex = codec.emailIndex(filter.email);
      if (filter.phone) where.phoneIndex = codec.phoneIndex(filter.phone);
    }
    if (filter?.externalRef) where.externalRef = filter.externalRef;
    if (!this.seesRestricted) where.processingRestricted = false;
    return this.repo.page(where, pageRequest(first, after));
  }

  async create(input: CreateEndUserInput): Promise<EndUser> {
    validateEndUserFields(input);
    if (input.externalRef && (await this.repo.findOne({ externalRef: input.externalRef }))) {
      throw badInput('externalRef', 'is already used by another end-user; use upsertEndUser to update it');
    }
    // Stamped from the tenant, so region-pinned storage can route the record.
    const tenant = await this.request.platform.repo(Tenant).findOneByOrFail({ id: this.request.tenantId });
    const row = this.repo.create({ dataRegion: tenant.region });
    const codec = await this.codec(row);
    const fields = apply(row, { gender: Gender.UNSPECIFIED, maritalStatus: MaritalStatus.UNSPECIFIED, ...input }, codec);
    // The record and its audit entry are written together or not at all.
    return this.request.scope.transaction(async (scope) => {
      const saved = await scope.repo(EndUser).save(row);
      await this.audit.append(scope, AuditAction.CREATE, saved.id, fields);
      return saved;
    });
  }

  /**
   * The ids of the tenant that other subgraphs may write about, with their restriction: missing
   * ids, and those with an erasure in progress, are left out.
   */
  async states(ids: readonly string[]): Promise<{ id: string; restricted: boolean }[]> {
    const asked = [...new Set(ids)].filter((id) => id.length > 0 && id.length <= 36);
    if (asked.length === 0) return [];
    // Scoped by the builder; the subquery is tied to the same tenant through user.tenantId.
    const rows = await this.repo
      .queryBuilder('user')
      .select(['user.id', 'user.processingRestricted'])
      .andWhere('user.id IN (:...asked)', { asked })
      .andWhere(
        'NOT EXISTS (SELECT 1 FROM privacy_requests request WHERE request.tenantId = user.tenantId AND request.endUserId = user.id AND request.kind = :erasure AND request.status = :open)',
        { erasure: PrivacyRequestKind.ERASURE, open: PrivacyRequestStatus.IN_PROGRESS },
      )
      .getMany();
    return rows.map((row) => ({ id: row.id, restricted: row.processingRestricted }));
  }

  /**
   * Partial update: a field left out stays as it is; a field given as null is cleared. A restricted
   * person's record is not processed, except to rectify it through a privacy request. The row is
   * locked and changed with `UPDATE … WHERE`, so an update racing an erasure never brings it back.
   */
  async update(id: string, input: UpdateEndUserInput, options: { rectification?: boolean } = {}): Promise<EndUser> {
    validateEndUserFields(input);
    // A rectification reaches the record whoever carries it out (the officer, or the retry worker).
    const found = options.rectification ? await this.repo.findById(id) : await this.get(id);
    if (!found) throw notFound('End-user');
    this.assertProcessable(found, options);
    if (input.externalRef && input.externalRef !== found.externalRef && (await this.repo.findOne({ externalRef: input.externalRef }))) {
      throw badInput('externalRef', 'is already used by another end-user');
    }
    const codec = await this.codec(found);
    return this.request.scope.transaction(async (scope) => {
      const repo = scope.repo(EndUser);
      const [row] = await repo.findLocked({ id });
      if (!row || (!options.rectification && (await this.states([id])).length === 0)) throw notFound('End-user');
      this.assertProcessable(row, options);
      const fields = apply(row, input, codec);
      if (fields.length === 0) return row;
      // Written back under the lock taken above; a row erased meanwhile is not inserted again.
      if (!(await repo.saveExisting(row))) throw notFound('End-user');
      await this.audit.append(scope, AuditAction.UPDATE, id, fields);
      return (await repo.findById(id)) ?? row;
    });
  }

  /** Restricted: hidden (NOT_FOUND) from those who may not see it, refused to those who may. */
  private assertProcessable(row: EndUser, options: { rectification?: boolean }): void {
    if (!row.processingRestricted || options.rectification) return;
    if (!this.seesRestricted) throw notFound('End-user');
    throw forbidden('Processing of this end-user is restricted');
  }

  /** Creates or updates the end-user your system knows as `externalRef`. */
  async upsert(externalRef: string, input: UpdateEndUserInput): Promise<EndUser> {
    if (!externalRef.trim() || externalRef.length > 200) throw badInput('externalRef', 'must be 1-200 characters');
    const existing = await this.repo.findOne({ externalRef });
    if (existing) this.assertProcessable(existing, {});
    return existing ? this.update(existing.id, { ...input, externalRef }) : this.create({ ...input, externalRef });
  }
}
