/**
 * The report page (app/report/html.ts): self-contained (no script, no external URL), every string
 * escaped, five charts for a run with fills, a "no fills" note for a run without.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, reportHtml, type ReportPage } from '../../../app/report/html.ts';
import { formatKpi, kpiRows } from '../../../app/report/kpi-rows.ts';
import { renderReportCharts } from '../../../app/report/svg.ts';
import type { Kpis } from '../../../core/metrics/kpis.ts';
import { FOUR_FILLS, NO_FILLS } from './fixtures.ts';

const EVIL = `<script>alert("x")</script> & 'q'`;
const EVIL_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;';

const page = (over: Partial<ReportPage>): ReportPage => ({
  title: 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z — as-v1@1',
  facts: [['session', 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z']],
  kpis: [['fills', '4']],
  warnings: [],
  charts: [],
  generatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(EVIL)).toBe(EVIL_ESCAPED);
  });
});

describe('reportHtml', () => {
  it('escapes the title, facts, KPIs, warnings, headings and notes, and sanitises section ids', () => {
    const html = reportHtml(
      page({
        title: EVIL,
        facts: [[EVIL, EVIL]],
        kpis: [[EVIL, EVIL]],
        warnings: [EVIL],
        charts: [{ id: 'a"b c', heading: EVIL, note: EVIL }],
        generatedAt: EVIL,
      }),
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain(`'q'`);
    // title ×2 (title, h1), facts ×2, KPIs ×2, warning, heading, note, footer
    expect(html.split(EVIL_ESCAPED)).toHaveLength(10 + 1);
    expect(html).toContain('<section id="a-b-c">');
  });

  it('is one self-contained page: five inline SVGs, no script, no external resource', async () => {
    const html = reportHtml(page({ charts: await renderReportCharts(FOUR_FILLS) }));
    expect(html.match(/<svg[\s>]/g)).toHaveLength(5);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('renders a run without fills with a clear "no fills" note and three charts', async () => {
    const html = reportHtml(page({ charts: await renderReportCharts(NO_FILLS) }));
    expect(html.match(/<svg[\s>]/g)).toHaveLength(3);
    expect(html).toContain(
      '<p class="note">No fills in this run: there is nothing to mark out or attribute.</p>',
    );
  });

  it('puts each warning in a warning box before the facts', () => {
    const html = reportHtml(page({ warnings: ['net PnL differs'] }));
    expect(html.indexOf('<p class="warning"><strong>Warning:</strong> net PnL differs</p>')).toBeGreaterThan(
      0,
    );
    expect(html.indexOf('class="warning"')).toBeLessThan(html.indexOf('class="facts"'));
  });
});

describe('kpiRows', () => {
  it('formats integers as they are, other numbers to 4 decimals and null as n/a', () => {
    expect([formatKpi(12), formatKpi(-0.123456), formatKpi(null), formatKpi(0)]).toEqual([
      '12',
      '-0.1235',
      'n/a',
      '0',
    ]);
    const kpis: Kpis = {
      netPnlQuote: 1.25,
      feesQuote: -0.125,
      sharpe: null,
      pnlTStat: 0.5,
      maxDrawdownQuote: 0.75,
      rmsInventoryRatio: 0.5,
      spreadCapturedPct: 40,
      spreadCapturedAtFillPct: 35.5,
      fillRatio: 0.25,
      cancelRatio: 0.75,
      quotes: 16,
      fills: 4,
      cancels: 12,
      events: 1000,
      finalInventoryLots: -10,
      maxAbsInventoryLots: 20,
      tradedNotionalQuote: 300.01,
      grossBp: 37.5,
      netBp: 41.7,
      feesBp: -4.2,
      markout100msBp: 2,
      markout1sBp: 1.25,
      markout5sBp: 0,
      markout30sBp: -0.5,
      markout1sMicropriceBp: 1,
      spreadBp: 83.3,
      adverse0To1sBp: -41.7,
      adverse1To30sBp: -16.7,
      inventoryBp: 12.5,
      queueFills: 3,
      tradeThroughFills: 1,
    };
    const rows = Object.fromEntries(kpiRows(kpis));
    expect(rows['net PnL (quote, mark-to-mid)']).toBe('1.2500');
    expect(rows['Sharpe (per-minute PnL, annualised)']).toBe('n/a');
    expect(rows['fills']).toBe('4');
    expect(rows['final inventory (lots)']).toBe('-10');
    expect(rows['mark-out 1 s vs mid (bp)']).toBe('1.2500');
    expect(rows['trade-through fills']).toBe('1');
    expect(kpiRows(kpis)).toHaveLength(31);
  });
});
