import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANGS, negotiate, translator, type MessageKey } from './index.ts';
import * as platform from '../messages.ts';
import { CATALOGUES } from '../../app/messages.ts';

test('French is the default; Occitan and English are chosen from Accept-Language', () => {
  assert.equal(negotiate(undefined), 'fr');
  assert.equal(negotiate('de-DE,de;q=0.9'), 'fr');
  assert.equal(negotiate('oc-FR,fr;q=0.8'), 'oc');
  assert.equal(negotiate('en-GB,en;q=0.9,fr;q=0.5'), 'en');
  assert.equal(negotiate('en;q=0,fr'), 'fr');
});

test('every translation keeps the placeholders of the French text', async () => {
  // The app's catalogues: the platform's and every module's (src/app/messages.ts).
  const modules = CATALOGUES;
  const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const m of modules) {
    for (const [key, fr] of Object.entries(m.fr)) {
      for (const lang of ['oc', 'en'] as const) {
        const other = m[lang][key];
        assert.ok(other && other.trim(), `${lang} lacks ${key}`);
        assert.deepEqual(holes(other), holes(fr), `${lang} ${key} has other placeholders than French`);
      }
    }
  }
});

test('placeholders are filled and unknown ones left visible', () => {
  for (const lang of LANGS) {
    const t = translator(lang);
    assert.match(t('home.welcome', { name: 'Maur' }), /Maur/);
  }
  assert.equal(translator('oc')('nav.home'), platform.oc['nav.home']);
  assert.equal(translator('fr')('missing.key' as MessageKey), 'missing.key');
});
