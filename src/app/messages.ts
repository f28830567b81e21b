// The app's translations: the platform's catalogue and every module's (their module.ts), joined
// and installed for the translators (src/platform/i18n/index.ts).
import * as platform from '../platform/messages.ts';
import { installCatalogues } from '../platform/i18n/index.ts';
import type { Catalogue } from '../platform/module.ts';
import { MODULES } from './modules.ts';

export const CATALOGUES: readonly Catalogue[] = [platform, ...MODULES.flatMap((m) => m.messages ?? [])];

installCatalogues(CATALOGUES);
