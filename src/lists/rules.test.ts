// The list server's pure rules: who posts without moderation, what an address means, what a
// moderator's reply says, and the Reply-To policy of a copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListAddress, postingDecision, type PosterStanding } from './inbound.ts';
import { fromIsAuthenticated } from './sender.ts';
import { replyFirstLine } from './moderation.ts';
import { renderCopy, splitMessage, getHeader } from './rewrite.ts';

const nobody: PosterStanding = { isModerator: false, isMember: false, isAllowed: false, authFailed: false };

test('posting policies: announce, discussion, moderated; a failed DMARC proves nothing', () => {
  const member = { ...nobody, isMember: true };
  const allowed = { ...nobody, isAllowed: true };
  const moderator = { ...nobody, isModerator: true };
  assert.deepEqual(postingDecision('announce', member), { hold: true, reason: 'not_allowed' }, "a parent's reply-all to a class list is held");
  assert.deepEqual(postingDecision('announce', allowed), { hold: false });
  assert.deepEqual(postingDecision('announce', moderator), { hold: false });
  assert.deepEqual(postingDecision('discussion', member), { hold: false });
  assert.deepEqual(postingDecision('discussion', nobody), { hold: true, reason: 'non_member' });
  assert.deepEqual(postingDecision('discussion', allowed), { hold: false });
  assert.deepEqual(postingDecision('moderated', member), { hold: true, reason: 'moderated' });
  assert.deepEqual(postingDecision('moderated', allowed), { hold: true, reason: 'moderated' });
  assert.deepEqual(postingDecision('moderated', moderator), { hold: false });
  assert.deepEqual(postingDecision('discussion', { ...moderator, authFailed: true }), { hold: true, reason: 'auth' });
});

test('list addresses: post, VERP bounce, unsubscribe and its confirmation, owner, and the four moderation addresses (tokens keep their case)', () => {
  const d = 'lists.example.org';
  assert.deepEqual(parseListAddress('CM1-A@Lists.Example.org', d), { slug: 'cm1-a', kind: 'post' });
  assert.deepEqual(parseListAddress('cm1-a+bounce-12-AbC_dEf-12345678@lists.example.org', d), { slug: 'cm1-a', kind: 'bounce', token: '12-AbC_dEf-12345678' });
  assert.deepEqual(parseListAddress('cm1-a+unsubscribe@lists.example.org', d), { slug: 'cm1-a', kind: 'unsubscribe' });
  assert.deepEqual(parseListAddress('cm1-a+confirm-Ab_c-DEFghijklmnopqrstuvwxyz012@lists.example.org', d), { slug: 'cm1-a', kind: 'confirm', token: 'Ab_c-DEFghijklmnopqrstuvwxyz012' });
  assert.deepEqual(parseListAddress('cm1-a+owner@lists.example.org', d), { slug: 'cm1-a', kind: 'owner' });
  assert.deepEqual(parseListAddress('cm1-a+moderate-7-AbCdEfGhIjKlMnOp@lists.example.org', d), { slug: 'cm1-a', kind: 'moderate', token: '7-AbCdEfGhIjKlMnOp', action: 'approve' });
  assert.deepEqual(parseListAddress('cm1-a+allow-7-AbCdEfGhIjKlMnOp@lists.example.org', d), { slug: 'cm1-a', kind: 'moderate', token: '7-AbCdEfGhIjKlMnOp', action: 'allow' });
  assert.deepEqual(parseListAddress('cm1-a+reject-7-AbCdEfGhIjKlMnOp@lists.example.org', d), { slug: 'cm1-a', kind: 'moderate', token: '7-AbCdEfGhIjKlMnOp', action: 'reject' });
  assert.deepEqual(parseListAddress('cm1-a+discard-7-AbCdEfGhIjKlMnOp@lists.example.org', d), { slug: 'cm1-a', kind: 'moderate', token: '7-AbCdEfGhIjKlMnOp', action: 'discard' });
  assert.equal(parseListAddress('cm1-a+other@lists.example.org', d), undefined);
  assert.equal(parseListAddress('cm1-a@elsewhere.test', d), undefined);
});

test("a moderator's reason is the first line they wrote, not the quoted notice", () => {
  assert.equal(replyFirstLine('\n\n  Hors sujet pour la classe.  \nCordialement\n> Un message…'), 'Hors sujet pour la classe.');
  assert.equal(replyFirstLine('Le dim. 29 nov. 2026, Ostal a écrit :\n> Un message de …'), '');
  assert.equal(replyFirstLine('On Sun, 29 Nov 2026, Ostal wrote:\n> …'), '');
  assert.equal(replyFirstLine('> only quoted'), '');
  assert.equal(replyFirstLine(''), '');
  assert.equal(replyFirstLine('x'.repeat(3000)).length, 1000);
});

test('Reply-To policy: to the sender (kept as is) or to the list', () => {
  const raw = Buffer.from('From: Joana <joana@example.org>\r\nTo: cm1-a@lists.example.org\r\nSubject: Sortida\r\nMessage-ID: <s@example.org>\r\n\r\nBonjorn\r\n');
  const copy = (replyTo: 'sender' | 'list', dmarcRewrite = false) =>
    splitMessage(
      renderCopy({
        raw,
        list: { slug: 'cm1-a', name: 'CM1 A', subjectPrefix: '', footer: '', replyTo },
        domain: 'lists.example.org',
        publicUrl: 'https://ostal.example.org',
        subject: 'Sortida',
        from: { name: 'Joana', address: 'joana@example.org' },
        dmarcRewrite,
        unsubscribeUrl: 'https://ostal.example.org/api/public/lists/unsubscribe/1-AAAAAAAAAAAAAAAA',
        date: new Date('2026-11-29T05:00:00Z'),
        messageId: '<list-1@lists.example.org>',
      }),
    ).headers;
  assert.equal(getHeader(copy('sender'), 'reply-to'), undefined, 'replies go to the author, as the From says');
  assert.equal(getHeader(copy('list'), 'reply-to'), 'cm1-a@lists.example.org');
  // With From rewritten for DMARC, the author stays reachable through Reply-To.
  assert.match(getHeader(copy('sender', true), 'reply-to')!, /joana@example\.org/);
  assert.match(getHeader(copy('list', true), 'reply-to')!, /^cm1-a@lists\.example\.org, .*joana@example\.org/);
});

test("a moderator's From is proven by DMARC, or without a DMARC record by aligned SPF or DKIM", () => {
  const from = 'regenta@escola.test';
  assert.equal(fromIsAuthenticated({ dmarc: 'pass' }, from, 'regenta@escola.test'), true);
  assert.equal(fromIsAuthenticated({ dmarc: 'fail', spf: 'pass', dkim: ['escola.test:pass'] }, from, 'regenta@escola.test'), false);
  assert.equal(fromIsAuthenticated({ dmarc: 'none', spf: 'pass' }, from, 'bounces@mail.escola.test'), true, 'aligned SPF');
  assert.equal(fromIsAuthenticated({ dmarc: 'none', spf: 'pass' }, from, 'x@elsewhere.test'), false, 'SPF of another domain');
  assert.equal(fromIsAuthenticated({ dmarc: 'none', spf: 'fail', dkim: ['escola.test:pass'] }, from, 'x@elsewhere.test'), true, 'aligned DKIM');
  assert.equal(fromIsAuthenticated({ dmarc: 'none', spf: 'softfail', dkim: ['other.test:pass', 'escola.test:fail'] }, from, 'x@elsewhere.test'), false);
  assert.equal(fromIsAuthenticated({ error: 'dns' }, from, 'regenta@escola.test'), false);
  assert.equal(fromIsAuthenticated({ spf: 'pass' }, '', 'regenta@escola.test'), false);
});
