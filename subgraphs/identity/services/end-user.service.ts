import type { FindOptionsWhere } from 'typeorm';
import { badInput, notFound } from '../../shared/errors';
import { pageRequest, type Page } from '../../shared/pagination';
import type { TenantScope } from '../../shared/tenant-repository';
import { EndUser, Gender, MaritalStatus } from '../entities/end-user.entity';
import type { CreateEndUserInput, EndUserFilter, UpdateEndUserInput } from '../inputs/end-user.input';

const COUNTRY = /^[A-Z]{2}$/;

/** Checks what the input decorators cannot: calendar dates, ranges, countries. */
export function validateEndUserFields(input: UpdateEndUserInput, now = new Date()): void {
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

function plain<T extends object>(value: T | null | undefined): T | null | undefined {
  return value ? ({ ...value } as T) : value;
}

export class EndUserService {
  constructor(private readonly scope: TenantScope) {}

  private get repo() {
    return this.scope.repo(EndUser);
  }

  async get(id: string): Promise<EndUser> {
    const endUser = await this.repo.findById(id);
    if (!endUser) throw notFound('End-user');
    return endUser;
  }

  find(id: string): Promise<EndUser | null> {
    return this.repo.findById(id);
  }

  findMany(ids: readonly string[]): Promise<EndUser[]> {
    return this.repo.findByIds(ids);
  }

  list(filter: EndUserFilter | undefined, first?: number | null, after?: string | null): Promise<Page<EndUser>> {
    const where: FindOptionsWhere<EndUser> = {};
    if (filter?.email) where.email = filter.email.toLowerCase();
    if (filter?.phone) where.phone = filter.phone;
    return this.repo.page(where, pageRequest(first, after));
  }

  async create(input: CreateEndUserInput): Promise<EndUser> {
    validateEndUserFields(input);
    const endUser = this.repo.create({
      ...input,
      email: input.email?.toLowerCase() ?? null,
      address: plain(input.address),
      geolocation: plain(input.geolocation),
      gender: input.gender ?? Gender.UNSPECIFIED,
      maritalStatus: input.maritalStatus ?? MaritalStatus.UNSPECIFIED,
    });
    return this.repo.save(endUser);
  }

  /** Partial update: a field left out stays as it is; a field given as null is cleared. */
  async update(id: string, input: UpdateEndUserInput): Promise<EndUser> {
    validateEndUserFields(input);
    const endUser = await this.get(id);
    for (const [key, value] of Object.entries(input) as [keyof UpdateEndUserInput, unknown][]) {
      if (value === undefined) continue;
      if ((key === 'gender' || key === 'maritalStatus') && value === null) {
        (endUser as unknown as Record<string, unknown>)[key] = 'UNSPECIFIED';
        continue;
      }
      const stored = key === 'email' && typeof value === 'string' ? value.toLowerCase() : value;
      (endUser as unknown as Record<string, unknown>)[key] =
        stored && typeof stored === 'object' && !(stored instanceof Date) ? { ...stored } : stored;
    }
    return this.repo.save(endUser);
  }
}
