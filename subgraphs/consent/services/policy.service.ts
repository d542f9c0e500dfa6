import { LessThanOrEqual, MoreThan } from 'typeorm';
import { badInput, conflict } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import type { PlatformRepository, PlatformTables } from '../../kit/platform-tables';
import { newId } from '../../kit/tenant-entity';
import type { TenantScope } from '../../kit/tenant-repository';
import { PlatformPolicyVersion, PolicyVersion, type PolicyVersionFields } from '../entities/policy-version.entity';
import type { PublishPolicyInput } from '../inputs/policy.input';

/** Advance notice a material change must give: it may not take effect sooner after publication. */
export const MATERIAL_NOTICE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Refuses a publication that breaks the notice promise; returns the row's dates. */
export function checkNotice(input: PublishPolicyInput, now: Date): { publishedAt: Date; effectiveAt: Date } {
  // Whole seconds, as MySQL DATETIME stores them: what is checked is what is kept.
  const publishedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const effectiveAt = new Date(Math.ceil(new Date(input.effectiveAt).getTime() / 1000) * 1000);
  if (Number.isNaN(effectiveAt.getTime())) throw badInput('effectiveAt', 'is not a valid date');
  if (effectiveAt.getTime() < publishedAt.getTime() - 60_000) throw badInput('effectiveAt', 'cannot be in the past');
  const earliest = new Date(publishedAt.getTime() + MATERIAL_NOTICE_DAYS * DAY_MS);
  if (input.material && effectiveAt < earliest) {
    throw badInput(
      'effectiveAt',
      `a material change needs ${MATERIAL_NOTICE_DAYS} days’ notice: take effect on ${earliest.toISOString()} or later`,
    );
  }
  return { publishedAt, effectiveAt };
}

/** In force at `at`: the latest version whose effective date has passed. */
const inForce = <T extends PolicyVersionFields>(versions: T[], at: Date): T | null =>
  versions.filter((v) => v.effectiveAt <= at).sort(byEffective).at(-1) ?? null;
const byEffective = (a: PolicyVersionFields, b: PolicyVersionFields) =>
  a.effectiveAt.getTime() - b.effectiveAt.getTime() || a.id.localeCompare(b.id);

/** The tenant's privacy notice versions. */
export class PolicyService {
  constructor(private readonly scope: TenantScope) {}

  list(first?: number | null, after?: string | null): Promise<Page<PolicyVersion>> {
    return this.scope.repo(PolicyVersion).page({}, pageRequest(first, after));
  }

  async publish(input: PublishPolicyInput, now = new Date()): Promise<PolicyVersion> {
    const dates = checkNotice(input, now);
    const versions = this.scope.repo(PolicyVersion);
    if (await versions.findOne({ version: input.version })) throw conflict(`Policy version "${input.version}" already exists`);
    return versions.save(versions.create({ version: input.version, summary: input.summary, material: input.material, ...dates }));
  }

  /** The version in force now: the latest whose effective date has passed. */
  async current(now = new Date()): Promise<PolicyVersion | null> {
    const [current] = await this.scope.repo(PolicyVersion).find({
      where: { effectiveAt: LessThanOrEqual(now) },
      order: { effectiveAt: 'DESC', id: 'DESC' },
      take: 1,
    });
    return current ?? null;
  }

  /** The next version published but not yet in effect. */
  async upcoming(now = new Date()): Promise<PolicyVersion | null> {
    const [next] = await this.scope.repo(PolicyVersion).find({
      where: { effectiveAt: MoreThan(now) },
      order: { effectiveAt: 'ASC', id: 'ASC' },
      take: 1,
    });
    return next ?? null;
  }

  /**
   * What renewal is measured against: the effective date of the latest material version in force.
   * Consent given under a version that took effect before it needs renewing.
   */
  async renewalBaseline(now = new Date()): Promise<{ materialSince: Date | null; effectiveAtOf: Map<string, Date> }> {
    // A tenant has a handful of versions: load them once per request.
    const versions = await this.scope.repo(PolicyVersion).find({});
    const material = inForce(versions.filter((v) => v.material), now);
    return { materialSince: material?.effectiveAt ?? null, effectiveAtOf: new Map(versions.map((v) => [v.id, v.effectiveAt])) };
  }
}

/** The platform's policy: platform-level rows, published by platform operators, read by everyone signed in. */
export class PlatformPolicyService {
  private readonly versions: PlatformRepository<PlatformPolicyVersion>;

  constructor(tables: PlatformTables) {
    this.versions = tables.repo(PlatformPolicyVersion);
  }

  list(first?: number | null, after?: string | null): Promise<Page<PlatformPolicyVersion>> {
    return this.versions.page({}, pageRequest(first, after));
  }

  async publish(input: PublishPolicyInput, now = new Date()): Promise<PlatformPolicyVersion> {
    const dates = checkNotice(input, now);
    if (await this.versions.exists({ version: input.version })) throw conflict(`Policy version "${input.version}" already exists`);
    return this.versions.save(
      this.versions.create({ id: newId(), version: input.version, summary: input.summary, material: input.material, ...dates }),
    );
  }

  async upcoming(now = new Date()): Promise<PlatformPolicyVersion | null> {
    const [next] = await this.versions.find({ where: { effectiveAt: MoreThan(now) }, order: { effectiveAt: 'ASC', id: 'ASC' }, take: 1 });
    return next ?? null;
  }
}
