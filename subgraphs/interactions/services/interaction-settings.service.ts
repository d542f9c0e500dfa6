import { badInput } from '../../../platform/errors';
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

export class InteractionSettingsService {
  constructor(private readonly scope: TenantScope) {}

  /** The tenant's settings, or the defaults when it has saved none. */
  async get(): Promise<InteractionSettings> {
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
    try {
      return await this.scope.transaction(async (scope) => {
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
