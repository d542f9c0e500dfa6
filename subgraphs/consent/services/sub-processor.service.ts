import { conflict } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import type { PlatformTables } from '../../kit/platform-tables';
import { newId } from '../../kit/tenant-entity';
import { SubProcessor, SubProcessorNotice } from '../entities/sub-processor.entity';
import type { AddSubProcessorInput } from '../inputs/sub-processor.input';

/** The platform's sub-processor registry: platform-level rows, the same for every tenant. */
export class SubProcessorService {
  constructor(private readonly tables: PlatformTables) {}

  list(first?: number | null, after?: string | null): Promise<Page<SubProcessor>> {
    return this.tables.repo(SubProcessor).page({}, pageRequest(first, after));
  }

  notices(first?: number | null, after?: string | null): Promise<Page<SubProcessorNotice>> {
    return this.tables.repo(SubProcessorNotice).page({}, pageRequest(first, after));
  }

  /** Adds a sub-processor and, in the same transaction, the notice every tenant sees. */
  add(input: AddSubProcessorInput): Promise<SubProcessor> {
    return this.tables.transaction(async (tables) => {
      const processors = tables.repo(SubProcessor);
      if (await processors.exists({ name: input.name })) throw conflict(`Sub-processor "${input.name}" is already registered`);
      const added = await processors.save(processors.create({ ...input, id: newId(), dataCategories: [...new Set(input.dataCategories)] }));
      const notices = tables.repo(SubProcessorNotice);
      await notices.save(
        notices.create({
          id: newId(),
          subProcessorId: added.id,
          summary: `New sub-processor ${added.name} (${added.role === 'THIRD_PARTY' ? 'third party' : 'service provider'}, ${added.location}): ${added.purpose}`.slice(0, 600),
          publishedAt: new Date(),
        }),
      );
      return added;
    });
  }
}
