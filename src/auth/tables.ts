import type { Generated } from 'kysely';
import type { Id, Timestamp } from '../platform/schema.ts';

export interface AuthTables {
  signin_request: {
    id: Id;
    handle: string;
    email: string;
    person_id: number | null;
    link_hash: Buffer | Uint8Array;
    code_hash: Buffer | Uint8Array;
    created_at: Timestamp;
    expires_at: Date | string;
    used_at: Date | string | null;
    failed_attempts: Generated<number>;
    requester_ip: string | null;
  };
  signin_code_failure: {
    id: Id;
    client: string;
    failed_at: Timestamp;
  };
  session: {
    token_hash: Buffer | Uint8Array;
    person_id: number;
    created_at: Timestamp;
    expires_at: Date | string;
    last_seen_at: Timestamp;
  };
}
