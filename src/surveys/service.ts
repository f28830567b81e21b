// The surveys scheduler inside the platform: closes surveys past their closing time, sends the
// scheduled reminders and reshuffles anonymous answers, every minute. `ostal surveys tick` runs
// the same locked pass for those who prefer cron; both can run side by side.
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import type { Mailer } from '../platform/mail.ts';
import type { Deps } from '../platform/web/context.ts';
import { runDueSurveyJobs, type MailSettings } from './campaign.ts';

/** How often the platform runs the pass: SURVEYS_TICK_MS (config.ts) unless a test shortens it here before starting the platform. */
export const surveysSchedule: { intervalMs: number | undefined } = { intervalMs: undefined };

// Any fixed 64-bit number, the same in every process: "ostal surveys tick".
export const TICK_LOCK = 0x05741_5ec7;

/**
 * One scheduler pass, all in one transaction holding a transaction-level advisory lock: a pass
 * started while another holds it (another process, cron's `ostal surveys tick`) does nothing
 * and returns null. The pass is idempotent anyway: reminders are due from the last reminder
 * time, which it updates in the same transaction, and closing only touches open surveys.
 */
export async function tickSurveys(db: Queryable, mailer: Mailer, settings: MailSettings, now = new Date()) {
  return db.transaction().execute(async (trx) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${TICK_LOCK}) as ok`.execute(trx);
    if (!got.rows[0]?.ok) return null;
    return runDueSurveyJobs(trx, mailer, settings, now);
  });
}

/** Starts the pass on an interval beside HTTP; never two at once in this process. */
export function startSurveys(deps: Deps): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const pass = () => {
    if (running) return;
    const settings = { publicUrl: deps.config.publicUrl, mailDomain: deps.config.mailDomain };
    running = tickSurveys(deps.db, deps.mailer, settings)
      .catch((err: Error) => console.error('surveys tick:', err.message))
      .finally(() => (running = null));
  };
  const timer = setInterval(pass, surveysSchedule.intervalMs ?? deps.config.surveysTickMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
