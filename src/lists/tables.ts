// Kysely table types of the lists module (joined into platform/schema.ts).
import type { ColumnType, Generated } from 'kysely';
import type { Id, Timestamp } from '../platform/schema.ts';

export type ListKind = 'class' | 'school' | 'group' | 'manual';
export type ListPolicy = 'announce' | 'discussion' | 'moderated';
export type ListRole = 'owner' | 'moderator';
export type DeliveryMode = 'each' | 'digest' | 'nomail';
export type MessageStatus = 'held' | 'accepted' | 'rejected' | 'discarded' | 'expired';
export type CopyStatus = 'queued' | 'sent' | 'failed' | 'kept';

type Bytes = ColumnType<Buffer, Buffer | Uint8Array, Buffer | Uint8Array>;
type Json = ColumnType<unknown, string | undefined, string>;
type MaybeDate = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface ListsTables {
  mailing_list: {
    id: Id;
    slug: string;
    name: string;
    kind: ListKind;
    class_id: number | null;
    school_id: number | null;
    group_id: number | null;
    policy: Generated<ListPolicy>;
    subject_prefix: Generated<string>;
    footer: Generated<string>;
    reply_to: Generated<'sender' | 'list'>;
    max_bytes: Generated<number>;
    hold_days: Generated<number>;
    archive_public: Generated<boolean>;
    created_at: Timestamp;
    digest_sent_at: MaybeDate;
  };
  list_role: { list_id: number; person_id: number; role: ListRole; granted_at: Timestamp };
  list_role_event: {
    id: Id;
    at: Timestamp;
    list_id: number;
    person_id: number;
    role: ListRole;
    change: 'granted' | 'revoked';
    actor_person_id: number | null;
    actor_label: string;
  };
  list_member: { list_id: number; address: string; display_name: Generated<string>; added_at: Timestamp };
  list_exclusion: { list_id: number; address: string; added_at: Timestamp };
  list_member_state: {
    list_id: number;
    address: string;
    delivery: Generated<DeliveryMode>;
    bounce_score: Generated<string>;
    last_bounce_at: MaybeDate;
    disabled_at: MaybeDate;
  };
  list_membership: { list_id: number; address: string; person_id: number | null; from_directory: boolean };
  list_directory_member: { list_id: number; address: string; person_id: number };
  list_owner: { list_id: number; person_id: number; from_directory: boolean };
  list_moderator: { list_id: number; person_id: number };
  /** Published to other modules (sql/0049). */
  list_public: { id: number; slug: string; name: string; kind: ListKind };
  list_reach: { list_id: number; address: string; person_id: number | null; display_name: string | null };
  person_primary_email: { person_id: number; email: string };

  list_message: {
    id: Id;
    received_at: Timestamp;
    envelope_from: Generated<string>;
    from_address: Generated<string>;
    from_name: Generated<string>;
    subject: Generated<string>;
    message_id: Generated<string>;
    raw: Bytes;
    size: number;
    auth: Json;
    status: MessageStatus;
    held_reason: string | null;
    decided_at: MaybeDate;
    decided_by_person_id: number | null;
    decided_by_label: string | null;
    reject_reason: string | null;
    expires_at: MaybeDate;
    distributed_at: MaybeDate;
    body_text: Generated<string>;
    in_reply_to: Generated<string>;
    thread_id: number | null;
  };
  list_message_target: { message_id: number; list_id: number; position: Generated<number> };
  list_allowed_sender: { list_id: number; address: string; added_at: Timestamp };
  list_delivery: {
    id: Id;
    message_id: number;
    list_id: number;
    address: string;
    status: Generated<CopyStatus>;
    attempts: Generated<number>;
    next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
    claimed_until: MaybeDate;
    last_error: string | null;
    sent_at: MaybeDate;
  };
  list_unsubscribe_request: {
    id: Id;
    list_id: number;
    address: string;
    token_hash: Bytes;
    created_at: Timestamp;
    expires_at: ColumnType<Date, Date | string, Date | string>;
    used_at: MaybeDate;
  };
  // Written in the browser (composer.ts, migration 0053).
  list_draft: {
    id: Id;
    key: string;
    author_person_id: number;
    list_ids: ColumnType<Array<number | string>, number[], number[]>;
    subject: string;
    body: string;
    created_at: Timestamp;
    updated_at: Timestamp;
    sent_at: MaybeDate;
    sent_message_id: number | null;
  };
  list_draft_attachment: { draft_id: number; position: number; filename: string; content_type: string; content: Bytes };
  list_key: {
    domain: string;
    dkim_selector: string;
    dkim_private_pem: string;
    dkim_public_b64: string;
    link_secret: Bytes;
    created_at: Timestamp;
  };
}
