// Kysely table types of the accounting module (joined into platform/schema.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AccountingTables {}
