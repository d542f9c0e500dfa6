import { MoreThan, type DataSource, type FindOptionsWhere, type ObjectLiteral, type Repository } from 'typeorm';
import { conflict } from '../../../platform/errors';
import { pageRequest, toPage, type Page } from '../../kit/pagination';
import { newId } from '../../kit/tenant-entity';
import { SubProcessor, SubProcessorNotice } from '../entities/sub-processor.entity';
import type { AddSubProcessorInput } from '../inputs/sub-processor.input';

async function page<T extends ObjectLiteral & { id: string }>(repository: Repository<T>, first?: number | null, after?: string | null): Promise<Page<T>> {
  const request = pageRequest(first, after);
  const where = (request.afterId ? { id: MoreThan(request.afterId) } : {}) as FindOptionsWhere<T>;
  return toPage(await repository.find({ where, order: { id: 'ASC' } as never, take: request.first + 1 }), request);
}

/** The platform's sub-processor registry: platform-level rows, the same for every tenant. */
export class SubProcessorService {
  constructor(private readonly dataSource: DataSource) {}

  list(first?: number | null, after?: string | null): Promise<Page<SubProcessor>> {
    return page(this.dataSource.getRepository(SubProcessor), first, after);
  }

  notices(first?: number | null, after?: string | null): Promise<Page<SubProcessorNotice>> {
    return page(this.dataSource.getRepository(SubProcessorNotice), first, after);
  }

  /** Adds a sub-processor and, in the same transaction, the notice every tenant sees. */
  add(input: AddSubProcessorInput): Promise<SubProcessor> {
    return this.dataSource.transaction(async (manager) => {
      const processors = manager.getRepository(SubProcessor);
      if (await processors.exists({ where: { name: input.name } })) throw conflict(`Sub-processor "${input.name}" is already registered`);
      const added = await processors.save(processors.create({ ...input, id: newId(), dataCategories: [...new Set(input.dataCategories)] }));
      const notices = manager.getRepository(SubProcessorNotice);
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
