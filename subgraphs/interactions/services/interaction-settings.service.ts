import type { TenantVersions } from '../../../platform/access-events';
import { DomainError, badInput } from '../../../platform/errors';
import { VersionedTenantCache } from '../../kit/tenant-cache';
import type { TenantScope } from '../../kit/tenant-repository';
import {
  DEFAULT_MIN_GROUP_SIZE,
  DEFAULT_RETENTION_DAYS,
  InteractionSettings,
  MAX_MIN_GROUP_SIZE,
  MAX_RETENTION_DAYS,
  MIN_GROUP_SIZE_FLOOR,
} from '../entities/interaction-settings.entity';
import type { UpdateInteractionSettingsInput } from '../inputs/interaction-settings.input';
import { MAX_PATTERNS, PATTERN_NAME, patternProblem, Redactor } from './redaction';
import { isUniqueViolation } from './unique-violation';

/** How long a process reuses a tenant's settings at most; a change reaches every process at once through its version. */
export const SETTINGS_CACHE_TTL_MS = 30_000;

/** One cache per process (per shared version store), for every request of every tenant. */
const caches = new WeakMap<TenantVersions, VersionedTenantCache<InteractionSettings>>();

function settingsCache(versions: TenantVersions): VersionedTenantCache<InteractionSettings> {
  let cache = caches.get(versions);
  if (!cache) caches.set(versions, (cache = new VersionedTenantCache(versions, 'settings', SETTINGS_CACHE_TTL_MS)));
  return cache;
}

/** A copy, so no caller changes what the cache holds. */
const copyOf = (settings: InteractionSettings): InteractionSettings =>
  Object.assign(new InteractionSettings(), settings, { redactionPatterns: settings.redactionPatterns.map((pattern) => ({ ...pattern })) });

export class InteractionSettingsService {
  constructor(
    private readonly scope: TenantScope,
    /** The tenant versions shared by the deployment's processes: with them, settings are cached. */
    private readonly versions?: TenantVersions,
  ) {}

  /** The tenant's settings, or the defaults when it has saved none. */
  async get(): Promise<InteractionSettings> {
    if (!this.versions || this.scope.inTransaction) return this.load();
    return copyOf(await settingsCache(this.versions).get(this.scope.tenantId, () => this.load()));
  }

  private async load(): Promise<InteractionSettings> {
    const repo = this.scope.repo(InteractionSettings);
    return (
      (await repo.findOne({})) ??
      repo.create({ minGroupSize: DEFAULT_MIN_GROUP_SIZE, transcriptRetentionDays: DEFAULT_RETENTION_DAYS, redactionPatterns: [] })
    );
  }

  async redactor(): Promise<Redactor> {
    return new Redactor((await this.get()).redactionPatterns);
  }

  /** Partial: omitted fields are kept; a pattern list replaces the old one. */
  async update(input: UpdateInteractionSettingsInput, retried = false): Promise<InteractionSettings> {
    const changes = validate(input);
    let saved: InteractionSettings;
    try {
      saved = await this.scope.transaction(async (scope) => {
        const repo = scope.repo(InteractionSettings);
        const settings = (await repo.findOne({})) ?? (await new InteractionSettingsService(scope).get());
        Object.assign(settings, changes);
        return repo.save(settings);
      });
    } catch (error) {
      // Two first-time updates raced on the one row per tenant: the second applies over the first.
      if (!retried && isUniqueViolation(error)) return this.update(input, true);
      throw error;
    }
    // Every process reads the new settings from its next request (a new redaction pattern applies to the next segment).
    if (this.versions) {
      await settingsCache(this.versions).changed(this.scope.tenantId).catch(() => {
        throw new DomainError('UNAVAILABLE', 'The settings were saved but could not be announced to every instance; repeat the change');
      });
    }
    return saved;
  }
}

function validate(input: UpdateInteractionSettingsInput): Partial<InteractionSettings> {
  const changes: Partial<InteractionSettings> = {};
  if (input.minGroupSize !== undefined && input.minGroupSize !== null) {
    if (input.minGroupSize < MIN_GROUP_SIZE_FLOOR || input.minGroupSize > MAX_MIN_GROUP_SIZE) {
      throw badInput('minGroupSize', `must be between ${MIN_GROUP_SIZE_FLOOR} and ${MAX_MIN_GROUP_SIZE}`);
    }
    changes.minGroupSize = input.minGroupSize;
  }
  if (input.transcriptRetentionDays !== undefined && input.transcriptRetentionDays !== null) {
    if (input.transcriptRetentionDays < 1 || input.transcriptRetentionDays > MAX_RETENTION_DAYS) {
      throw badInput('transcriptRetentionDays', `must be between 1 and ${MAX_RETENTION_DAYS}`);
    }
    changes.transcriptRetentionDays = input.transcriptRetentionDays;
  }
  if (input.redactionPatterns !== undefined && input.redactionPatterns !== null) {
    if (input.redactionPatterns.length > MAX_PATTERNS) throw badInput('redactionPatterns', `at most ${MAX_PATTERNS} patterns`);
    const names = new Set<string>();
    input.redactionPatterns.forEach(({ name, pattern }, index) => {
      if (!PATTERN_NAME.test(name)) throw badInput(`redactionPatterns[${index}].name`, 'must be 1-40 letters, digits, _ or -, starting with a letter');
      if (names.has(name.toLowerCase())) throw badInput(`redactionPatterns[${index}].name`, 'is repeated');
      names.add(name.toLowerCase());
      const problem = patternProblem(pattern);
      if (problem) throw badInput(`redactionPatterns[${index}].pattern`, problem);
    });
    changes.redactionPatterns = input.redactionPatterns.map(({ name, pattern }) => ({ name, pattern }));
  }
  return changes;
}
