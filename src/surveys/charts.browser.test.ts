// The charts are laid out on the server (ECharts measures the labels without a browser) and drawn
// by the reader's browser: in Debian's chromium, every label must fall inside its chart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { barChart, stackedChart } from './charts.ts';

test('long answer labels are drawn inside the chart, not cut at its edge', { skip: browserSkipReason() }, async () => {
  const bars = barChart([
    { label: 'Fibre ou ADSL', count: 142, pct: 80.7 },
    { label: 'Mobile (4G/5G) seulement', count: 26, pct: 14.8 },
    { label: 'Pas d’accès à la maison', count: 8, pct: 4.5 },
  ]);
  const matrix = stackedChart(
    [
      { label: 'Les enfants font-ils leurs devoirs sur un écran ?', counts: [{ label: 'Jamais', count: 46 }, { label: 'Parfois', count: 60 }, { label: 'Souvent', count: 70 }] },
      { label: 'Lisez-vous vos courriels ?', counts: [{ label: 'Jamais', count: 56 }, { label: 'Parfois', count: 56 }, { label: 'Souvent', count: 64 }] },
    ],
    ['Jamais', 'Parfois', 'Souvent'],
  );
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 700, height: 600 } });
    await page.setContent(`<!doctype html><body style="margin:0"><figure style="margin:0">${bars}</figure><figure style="margin:0">${matrix}</figure></body>`);
    const outside = await page.locator('figure svg').evaluateAll((svgs) =>
      svgs.flatMap((svg) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')]
          .map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
          .map(({ text, r }) => `"${text}" spans ${Math.round(r.left)}–${Math.round(r.right)}, chart ${Math.round(box.left)}–${Math.round(box.right)}`);
      }),
    );
    assert.deepEqual(outside, []);
    assert.equal(await page.locator('figure svg text', { hasText: 'Mobile (4G/5G) seulement' }).count(), 1);
  } finally {
    await browser.close();
  }
});
