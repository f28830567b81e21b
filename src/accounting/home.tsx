// The books' card on the home page, for those who read them.
import type { HomeParts } from '../platform/module.ts';
import type { Ctx, Viewer } from '../platform/web/context.ts';
import { accountingRole } from './access.ts';

export async function accountingHome(c: Ctx, viewer: Viewer): Promise<HomeParts> {
  const rc = c.get('rc');
  const books = await accountingRole(rc.deps.db, viewer.personId);
  if (!books.canRead) return {};
  return {
    cards: (
      <div class="card">
        <h2>{rc.t('accounting.title')}</h2>
        <a href="/accounting">{rc.t('accounting.title')}</a>
      </div>
    ),
  };
}
