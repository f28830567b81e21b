// Kysely table types of the lists module (joined into platform/schema.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ListsTables {}
